package coordinator

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/shoal-io/shoal/internal/atomicfile"
	"github.com/shoal-io/shoal/internal/blobfs"
	"github.com/shoal-io/shoal/internal/wire"
	"github.com/shoal-io/shoal/partition"
)

// A labels dataset (--out DIR/) is written by the workers: each label task
// writes its part file into the job's staging directory
// DIR/_temporary/<job>/ (the "_" prefix keeps readers out), and the
// coordinator commits the parts once every one has landed: it removes
// _SUCCESS, moves the parts into DIR, removes the parts that the previous
// manifest listed and this one does not, then writes _manifest.json and
// _SUCCESS. Files in DIR that no manifest of shoal's listed are never
// touched. A job that fails or is cancelled removes its staging directory
// and leaves DIR as it was.
const (
	stagingDirName = "_temporary"
	manifestName   = "_manifest.json"
	successName    = "_SUCCESS"
)

// partName is the file name of the labels of task i, in input order.
func partName(i int) string { return fmt.Sprintf("part-%05d.parquet", i) }

// partNamePattern matches the names partName gives: the only names a
// commit removes, whatever a manifest on disk says.
var partNamePattern = regexp.MustCompile(`^part-[0-9]{5,}\.parquet$`)

// StagingDir is where the workers write the parts of job's labels
// dataset dir. A worker refuses a part directory of any other form.
func StagingDir(dir, job string) string {
	return blobfs.Join(cleanOut(dir), stagingDirName, job)
}

// cleanOut is a dataset's --out in canonical form, without the trailing
// separator that marks it as a dataset.
func cleanOut(out string) string {
	if blobfs.IsURL(out) {
		return blobfs.Clean(strings.TrimSuffix(out, "/"))
	}
	return filepath.Clean(out)
}

// datasetOut is a labels dataset being written.
type datasetOut struct {
	dir     string   // the dataset directory, cleaned
	staging string   // StagingDir(dir, job)
	job     string   // the job id
	keep    []string // kept columns, for the manifest
	rows    []int64  // rows of each part, filled in by the label pass
}

// openDataset creates the job's staging directory inside dir (and dir).
func openDataset(out, job string, keep []string) (*datasetOut, error) {
	d := &datasetOut{dir: cleanOut(out), job: job, keep: keep}
	d.staging = StagingDir(d.dir, job)
	if err := blobfs.MkdirAll(d.staging); err != nil {
		return nil, fmt.Errorf("%w: --out %s: %w; give a directory that can be written", ErrOutput, out, unwrapPathError(err))
	}
	return d, nil
}

// probeDataset checks that dir could be created and written, leaving
// nothing behind.
func probeDataset(out string) error {
	if blobfs.IsURL(out) {
		return probePrefix(out)
	}
	dir := filepath.Clean(out)
	for {
		st, err := os.Stat(dir)
		if err == nil {
			if !st.IsDir() {
				return fmt.Errorf("%w: --out %s: %s is a file; give a directory", ErrOutput, out, dir)
			}
			if err := atomicfile.Probe(filepath.Join(dir, successName)); err != nil {
				return fmt.Errorf("%w: --out %s: %w", ErrOutput, out, err)
			}
			return nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return fmt.Errorf("%w: --out %s: %w", ErrOutput, out, err)
		}
		dir = parent
	}
}

func unwrapPathError(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return fmt.Errorf("%s: %w", pe.Path, pe.Err)
	}
	return err
}

// manifest is _manifest.json: what the committed dataset holds.
type manifest struct {
	JobID   string          `json:"job_id"`
	Rows    int64           `json:"rows"`
	Parts   []manifestPart  `json:"parts"`
	Columns []string        `json:"columns"`
	Model   manifestSummary `json:"model"`
}

type manifestPart struct {
	Name string `json:"name"`
	Rows int64  `json:"rows"`
}

// manifestSummary is the model in brief; the model file has the rest.
type manifestSummary struct {
	Algorithm      string   `json:"algorithm"`
	K              int      `json:"k"`
	Metric         string   `json:"metric"`
	Features       []string `json:"features,omitempty"`
	Rows           int64    `json:"rows"`
	RowsDropped    int64    `json:"rows_dropped"`
	TotalDeviation float64  `json:"total_deviation"`
}

// commit moves the parts into place and writes the manifest and
// _SUCCESS. It fails, changing nothing in dir, when a part is missing.
func (d *datasetOut) commit(m *wire.Model) error {
	ctx := context.Background()
	man := manifest{
		JobID: d.job, Columns: append([]string{"row", "cluster", "distance"}, d.keep...),
		Model: manifestSummary{Algorithm: m.Algorithm, K: m.K, Metric: m.Metric, Features: m.Columns,
			Rows: m.N, RowsDropped: m.RowsDropped, TotalDeviation: m.TotalDeviation},
	}
	for i, n := range d.rows {
		name := partName(i)
		st, err := blobfs.Stat(ctx, blobfs.Join(d.staging, name))
		if err == nil && st.IsDir {
			// A prefix (or directory) of that name is no part; moving it
			// would fail with the dataset half replaced.
			err = &fs.PathError{Op: "stat", Path: blobfs.Join(d.staging, name), Err: errors.New("is a directory, not a part")}
		}
		if err != nil {
			return fmt.Errorf("%w: --out %s: part %s of %d did not land: %w", ErrOutput, d.dir, name, len(d.rows), unwrapPathError(err))
		}
		man.Parts = append(man.Parts, manifestPart{Name: name, Rows: n})
		man.Rows += n
	}
	b, err := json.MarshalIndent(man, "", "  ")
	if err != nil {
		return fmt.Errorf("coordinator: encoding %s: %w", manifestName, err)
	}
	previous := d.previousParts()
	// From here on readers see no _SUCCESS until the new one.
	if err := blobfs.Remove(ctx, blobfs.Join(d.dir, successName)); err != nil {
		return fmt.Errorf("%w: --out %s: %w", ErrOutput, d.dir, unwrapPathError(err))
	}
	for _, p := range man.Parts {
		if err := blobfs.Rename(ctx, blobfs.Join(d.staging, p.Name), blobfs.Join(d.dir, p.Name)); err != nil {
			return fmt.Errorf("%w: --out %s: moving %s into place: %w", ErrOutput, d.dir, p.Name, unwrapPathError(err))
		}
	}
	for _, name := range previous {
		if !slices.ContainsFunc(man.Parts, func(p manifestPart) bool { return p.Name == name }) {
			if err := blobfs.Remove(ctx, blobfs.Join(d.dir, name)); err != nil {
				return fmt.Errorf("%w: --out %s: removing the earlier part %s: %w", ErrOutput, d.dir, name, unwrapPathError(err))
			}
		}
	}
	if err := blobfs.WriteFile(ctx, blobfs.Join(d.dir, manifestName), append(b, '\n')); err != nil {
		return fmt.Errorf("%w: --out %s: %w", ErrOutput, d.dir, err)
	}
	if err := blobfs.WriteFile(ctx, blobfs.Join(d.dir, successName), nil); err != nil {
		return fmt.Errorf("%w: --out %s: %w", ErrOutput, d.dir, err)
	}
	d.abort()
	return nil
}

// previousParts are the part names the dataset's current manifest lists
// (none when it has none or it cannot be read), limited to names a
// commit writes.
func (d *datasetOut) previousParts() []string {
	b, err := blobfs.ReadFile(context.Background(), blobfs.Join(d.dir, manifestName))
	if err != nil {
		return nil
	}
	var old manifest
	if json.Unmarshal(b, &old) != nil {
		return nil
	}
	var names []string
	for _, p := range old.Parts {
		if partNamePattern.MatchString(p.Name) {
			names = append(names, p.Name)
		}
	}
	return names
}

// abortGrace bounds how long abort waits for a part still being written.
const abortGrace = 2 * time.Second

// abort removes the staging directory, and _temporary when no other job
// stages there. It is safe after commit. A job fails at its first failed
// task, and another worker may then still be writing its part: a
// temporary file it creates while RemoveAll empties the directory keeps
// the directory, and the part is renamed into it afterwards. So on a
// filesystem the removal is repeated until the directory is gone (no
// part can appear in it then: writers never create it), for up to
// abortGrace.
func (d *datasetOut) abort() {
	if d == nil {
		return
	}
	_ = blobfs.RemoveAll(context.Background(), d.staging)
	if blobfs.IsURL(d.staging) {
		return
	}
	for deadline := time.Now().Add(abortGrace); time.Now().Before(deadline); {
		if _, err := os.Lstat(d.staging); errors.Is(err, fs.ErrNotExist) {
			break
		}
		time.Sleep(10 * time.Millisecond)
		_ = os.RemoveAll(d.staging)
	}
	_ = os.Remove(filepath.Dir(d.staging)) // fails while another job stages there
}

// keepColumns resolves the spec's kept columns against the dataset.
func keepColumns(ds *partition.Dataset, names []string) ([]wire.KeepColumn, error) {
	cols, err := partition.KeepColumns(ds, names)
	if err != nil {
		return nil, err
	}
	out := make([]wire.KeepColumn, len(cols))
	for i, c := range cols {
		out[i] = wire.KeepColumn{Name: c.Name, Partition: c.Partition}
	}
	return out, nil
}

// probePrefix checks that objects can be written and deleted below the
// prefix out, with a marker that readers skip.
func probePrefix(out string) error {
	if _, err := blobfs.Parse(out); err != nil {
		return fmt.Errorf("%w: --out: %w", ErrOutput, err)
	}
	ctx := context.Background()
	probe := blobfs.Join(cleanOut(out), stagingDirName, ".probe-"+atomicfile.Owner())
	if err := blobfs.WriteObject(ctx, probe, nil); err != nil {
		return fmt.Errorf("%w: --out %s: %w", ErrOutput, out, err)
	}
	if err := blobfs.Remove(ctx, probe); err != nil {
		return fmt.Errorf("%w: --out %s: %w", ErrOutput, out, err)
	}
	return nil
}
