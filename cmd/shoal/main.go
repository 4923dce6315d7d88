// Command shoal clusters Arrow, Parquet and CSV data over NATS workers.
package main

import "os"

func main() { os.Exit(execute(os.Args[1:], os.Stdout, os.Stderr)) }
