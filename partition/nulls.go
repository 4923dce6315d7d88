package partition

import "fmt"

// NullPolicy says what ReadShard does with a row whose feature or weight
// value is null, NaN or infinite. Distances to such a point are undefined,
// so the row can only be refused or left out; imputing a value is a
// modelling choice that belongs before shoal.
type NullPolicy int

const (
	// NullsError fails the read with ErrNull naming the file, column and
	// row. It is the zero value: silently losing rows must be asked for.
	NullsError NullPolicy = iota
	// NullsDrop skips the row; Block.Index shows which rows were kept, and
	// the labels file simply has no line for a dropped row.
	NullsDrop
)

// ParseNullPolicy parses the --nulls flag value: "error" or "drop".
func ParseNullPolicy(s string) (NullPolicy, error) {
	switch s {
	case "error":
		return NullsError, nil
	case "drop":
		return NullsDrop, nil
	}
	return 0, fmt.Errorf("%w: null policy %q (want \"error\" or \"drop\")", ErrInvalidOptions, s)
}

// String returns the policy as ParseNullPolicy accepts it.
func (p NullPolicy) String() string {
	switch p {
	case NullsError:
		return "error"
	case NullsDrop:
		return "drop"
	}
	return fmt.Sprintf("NullPolicy(%d)", int(p))
}
