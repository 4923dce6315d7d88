// Package pathguard decides, before a job reads or writes anything, whether
// the paths it names are safe: inside the roots a service allows, outside
// its own data directory, and never an output that would replace an input
// or another output.
//
// Every path is resolved first (made absolute, cleaned, symbolic links
// followed, for an output that does not exist yet up to its longest
// existing ancestor), so "..", links and hard links cannot smuggle a
// forbidden file past a check of the path as written.
//
// Core functions: Resolve, NewRoots and Check. Check is the one place
// where `shoal run`, `shoal submit` and the coordinator service judge a
// job's files.
//
// # Caveats
//
// The check is made once, before the job starts. A path that another
// process changes into a link afterwards is not checked again; outputs
// are written to a temporary file in the target directory and renamed
// over the final name, so a link planted at the final name is replaced,
// not followed.
package pathguard
