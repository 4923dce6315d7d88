package validity

import (
	"encoding/json"
	"testing"
)

// FuzzSelection: any JSON decoded into a Selection either fails Validate
// or is consistent: increasing k ≥ 2 and a chosen_k that Choose picks.
func FuzzSelection(f *testing.F) {
	f.Add([]byte(`{"rule":"max_silhouette","chosen_k":3,"scores":[{"k":2,"silhouette":0.1},{"k":3,"silhouette":0.2}]}`))
	f.Add([]byte(`{"rule":"min_davies_bouldin","chosen_k":2,"scores":[{"k":2,"davies_bouldin":0.1},{"k":3,"davies_bouldin":0.1}]}`))
	f.Add([]byte(`{"rule":"max_medoid_silhouette","chosen_k":2,"scores":[{"k":2,"medoid_silhouette":null}]}`))
	f.Add([]byte(`{"rule":"x","chosen_k":-1,"scores":[]}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		var s Selection
		if json.Unmarshal(b, &s) != nil {
			return
		}
		if s.Validate() != nil {
			return
		}
		for i, sc := range s.Scores {
			if sc.K < 2 || (i > 0 && sc.K <= s.Scores[i-1].K) {
				t.Fatalf("Validate accepted k=%d at %d", sc.K, i)
			}
		}
		if k, err := Choose(s.Scores, s.Rule); err != nil || k != s.ChosenK {
			t.Fatalf("Validate accepted chosen_k=%d; Choose gives %d, %v", s.ChosenK, k, err)
		}
	})
}
