package storage

import (
	"errors"
	"testing"
)

func TestModel(t *testing.T) {
	s := mustOpenStore(t)
	if err := s.PutModel("none", []byte("m")); !errors.Is(err, ErrNotFound) {
		t.Fatalf("model of an unknown job: %v", err)
	}
	if _, err := s.CreateJob("j", nil); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Model("j"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("Model before any put: %v", err)
	}
	in := []byte(`{"algorithm":"fasterpam","k":2}`)
	if err := s.PutModel("j", in); err != nil {
		t.Fatal(err)
	}
	in[0] = 'X'
	m, err := s.Model("j")
	if err != nil || string(m) != `{"algorithm":"fasterpam","k":2}` {
		t.Fatalf("Model = %q, %v", m, err)
	}
	m[0] = 'Y'
	if err := s.PutModel("j", []byte("second")); err != nil {
		t.Fatal(err)
	}
	if m2, _ := s.Model("j"); string(m2) != "second" {
		t.Fatalf("Model after replace = %q", m2)
	}
	if m[0] != 'Y' || string(m[1:]) != `"algorithm":"fasterpam","k":2}` {
		t.Fatalf("returned model changed under the caller: %q", m)
	}
	// Empty is a value, not an absence.
	if err := s.PutModel("j", nil); err != nil {
		t.Fatal(err)
	}
	s = reopen(t, s)
	if m, err := s.Model("j"); err != nil || m == nil || len(m) != 0 {
		t.Fatalf("empty model after reopen = %q (nil %v), %v", m, m == nil, err)
	}
}
