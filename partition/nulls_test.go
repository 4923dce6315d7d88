package partition

import "testing"

func TestParseNullPolicy(t *testing.T) {
	for _, c := range []struct {
		in   string
		want NullPolicy
		ok   bool
	}{
		{"error", NullsError, true},
		{"drop", NullsDrop, true},
		{"Drop", 0, false},
		{"skip", 0, false},
		{"", 0, false},
	} {
		got, err := ParseNullPolicy(c.in)
		if c.ok != (err == nil) || (c.ok && got != c.want) {
			t.Errorf("ParseNullPolicy(%q) = %v, %v; want %v, ok=%v", c.in, got, err, c.want, c.ok)
		}
		if !c.ok {
			wantErr(t, err, ErrInvalidOptions, c.in)
		}
		if c.ok && got.String() != c.in {
			t.Errorf("%v.String() = %q, want %q", got, got.String(), c.in)
		}
	}
}
