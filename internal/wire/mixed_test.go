package wire

import (
	"errors"
	"testing"
)

// TestCheckMixed refuses a task whose Gower data does not fit its
// columns: flags or ranges of another length, unsorted or repeated
// levels, levels of a numeric column, a negative range.
func TestCheckMixed(t *testing.T) {
	base := func() *Task {
		return &Task{Kind: KindLabel, Data: Data{Columns: []string{"x", "c"}, Nominal: []bool{false, true},
			Levels: [][]string{nil, {"a", "b"}}, Ranges: []float64{3, 1}}}
	}
	if err := base().checkMixed(); err != nil {
		t.Fatalf("valid data refused: %v", err)
	}
	asym := base()
	asym.Data.Levels[1], asym.Data.Ranges[1] = []string{"false", "true"}, AsymmetricBinary
	if err := asym.checkMixed(); err != nil {
		t.Fatalf("a boolean column marked asymmetric refused: %v", err)
	}
	for name, mutate := range map[string]func(*Task){
		"short nominal":    func(t *Task) { t.Data.Nominal = []bool{true} },
		"short ranges":     func(t *Task) { t.Data.Ranges = []float64{1} },
		"unsorted levels":  func(t *Task) { t.Data.Levels[1] = []string{"b", "a"} },
		"repeated levels":  func(t *Task) { t.Data.Levels[1] = []string{"a", "a"} },
		"numeric levels":   func(t *Task) { t.Data.Levels[0] = []string{"a"} },
		"negative range":   func(t *Task) { t.Data.Ranges[0] = -1 },
		"asymmetric text":  func(t *Task) { t.Data.Ranges[1] = AsymmetricBinary },
		"asymmetric -2":    func(t *Task) { t.Data.Levels[1], t.Data.Ranges[1] = []string{"false", "true"}, -2 },
		"levels, no flags": func(t *Task) { t.Data.Nominal = nil },
	} {
		task := base()
		mutate(task)
		if err := task.checkMixed(); !errors.Is(err, ErrDecode) {
			t.Errorf("%s: err = %v, want ErrDecode", name, err)
		}
	}
}
