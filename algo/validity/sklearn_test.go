package validity

import (
	"encoding/csv"
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/shoal-io/shoal/algo"
)

// skRef is one labelling's entry of testdata/reference.json.
type skRef struct {
	Silhouette          float64 `json:"silhouette"`
	SilhouetteManhattan float64 `json:"silhouette_manhattan"`
	CalinskiHarabasz    float64 `json:"calinski_harabasz"`
	DaviesBouldin       float64 `json:"davies_bouldin"`
	MedoidRows          []int   `json:"medoid_rows"`
	MedoidSilhouette    float64 `json:"medoid_silhouette"`
}

type skSet struct {
	N, D, K int
	Target  skRef `json:"target"`
	KMeans  skRef `json:"kmeans"`
}

// skLoad reads testdata/<name>.csv: the features, and the target and
// kmeans label columns.
func skLoad(t testing.TB, name string) (x []float32, d int, labels map[string][]int32) {
	t.Helper()
	f, err := os.Open(filepath.Join("testdata", name+".csv"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	recs, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	head := recs[0]
	d = len(head) - 2
	if head[d] != "target" || head[d+1] != "kmeans" {
		t.Fatalf("%s.csv: header %v", name, head)
	}
	labels = map[string][]int32{}
	for _, r := range recs[1:] {
		for j := range d {
			v, err := strconv.ParseFloat(r[j], 32)
			if err != nil {
				t.Fatal(err)
			}
			x = append(x, float32(v))
		}
		for j, col := range []string{"target", "kmeans"} {
			c, err := strconv.Atoi(r[d+j])
			if err != nil {
				t.Fatal(err)
			}
			labels[col] = append(labels[col], int32(c))
		}
	}
	return x, d, labels
}

func skReference(t testing.TB) map[string]skSet {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "reference.json"))
	if err != nil {
		t.Fatal(err)
	}
	var ref struct {
		Datasets map[string]skSet `json:"datasets"`
	}
	if err := json.Unmarshal(b, &ref); err != nil {
		t.Fatal(err)
	}
	return ref.Datasets
}

// relClose reports whether got is within tol of want, relative to want.
func relClose(got, want, tol float64) bool {
	return math.Abs(got-want) <= tol*math.Abs(want)
}

// TestAgainstScikitLearn compares every index with scikit-learn's value
// on iris, wine and digits, for the true classes and for k-means labels
// (testdata/README.md says how the numbers were made). The data are the
// same float32 values on both sides, so only summation order differs:
// the tolerance is 1e-9 relative (scikit-learn's Euclidean distances go
// through ‖x‖²−2x·y+‖y‖², which loses a few more digits than the direct
// sum here).
func TestAgainstScikitLearn(t *testing.T) {
	const tol = 1e-9
	ref := skReference(t)
	worst := 0.0
	for _, name := range []string{"iris", "wine", "digits"} {
		x, d, labels := skLoad(t, name)
		set := ref[name]
		if len(x) != set.N*set.D || d != set.D {
			t.Fatalf("%s: %d values of dimension %d, reference says %d×%d", name, len(x), d, set.N, set.D)
		}
		for _, lab := range []struct {
			name string
			want skRef
		}{{"target", set.Target}, {"kmeans", set.KMeans}} {
			data := Data{X: x, D: d, Labels: labels[lab.name], K: set.K}
			check := func(index string, got, want float64) {
				t.Helper()
				worst = max(worst, math.Abs(got-want)/math.Abs(want))
				if !relClose(got, want, tol) {
					t.Errorf("%s/%s %s = %.15g, scikit-learn %.15g (rel. diff %.2g)", name, lab.name, index, got, want, math.Abs(got-want)/math.Abs(want))
				}
			}
			sil, err := Silhouette(data, algo.Euclidean, 2)
			if err != nil {
				t.Fatal(err)
			}
			check("silhouette", sil, lab.want.Silhouette)
			silL1, err := Silhouette(data, algo.Manhattan, 2)
			if err != nil {
				t.Fatal(err)
			}
			check("silhouette (manhattan)", silL1, lab.want.SilhouetteManhattan)
			ch, db, err := Scatter(data)
			if err != nil {
				t.Fatal(err)
			}
			check("calinski_harabasz", ch, lab.want.CalinskiHarabasz)
			check("davies_bouldin", db, lab.want.DaviesBouldin)
			var centres []float32
			for _, r := range lab.want.MedoidRows {
				centres = append(centres, x[r*d:(r+1)*d]...)
			}
			ms, err := MedoidSilhouette(x, d, centres, algo.Euclidean)
			if err != nil {
				t.Fatal(err)
			}
			check("medoid silhouette", ms, lab.want.MedoidSilhouette)
			t.Logf("%-6s %-6s silhouette %.6f  manhattan %.6f  CH %.4f  DB %.6f  medoid silhouette %.6f",
				name, lab.name, sil, silL1, ch, db, ms)
		}
	}
	t.Logf("largest relative difference from scikit-learn: %.2g", worst)
}

// TestSkLoadHeader guards the loader: a CSV whose last columns are not
// target and kmeans must not be read silently.
func TestSkLoadHeader(t *testing.T) {
	b, err := os.ReadFile(filepath.Join("testdata", "iris.csv"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(string(b), "f0,f1,f2,f3,target,kmeans\n") {
		t.Fatalf("iris.csv header: %q", strings.SplitN(string(b), "\n", 2)[0])
	}
}
