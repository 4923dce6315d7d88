package partition

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
)

// Options choose the columns of a dataset and the size of its shards.
type Options struct {
	// Columns are the feature columns, in this order. Empty means every
	// numeric column of the first file, in file order, that is not in
	// Exclude and is not Weight.
	Columns []string
	// Exclude names columns to leave out when Columns is empty (an id, a
	// ground-truth label). Each must exist. Ignored when Columns is set.
	Exclude []string
	// Weight is an optional numeric column holding a per-row weight; it is
	// never a feature. Empty means every row weighs 1.
	Weight string
	// ShardRows is the target number of rows per shard; 0 means 65536
	// (see defaultShardRows). Parquet row groups and Arrow batches are not
	// split, so a shard holds at least one whole group or batch.
	ShardRows int
	// CSV is the layout of the CSV files; the zero value is a header line
	// and commas. Setting it for a dataset with no CSV file is an error.
	CSV CSVOptions
	// CSVRanges plans uncompressed CSV files from their size and first
	// rows only: their shards are byte ranges with Rows < 0 until the
	// records are counted elsewhere (see Dataset.Uncounted, CountCSV,
	// LocateCSV and Dataset.ResolveCSV), which gives the same shards as
	// without it.
	CSVRanges bool
	// Where keeps only the files of some partitions (see Where); nil keeps
	// all. Scan applies it while expanding the paths; ScanInputs takes
	// inputs that ExpandPaths already filtered and ignores it.
	Where Where
	// Nominal admits text, boolean and dictionary-of-text columns as
	// features (for metric gower), beside the numeric ones, and chooses
	// them by default too; Dataset.Nominal marks them. False keeps to
	// numeric columns.
	Nominal bool
}

// Dataset is a scanned dataset: its files, resolved columns and shard plan.
// It holds no data and can be sent to other processes as is.
type Dataset struct {
	// Files are the input files in order: paths as given, directories
	// expanded to their supported files sorted by path.
	Files []string
	// Columns are the resolved feature columns.
	Columns []string
	// Weight is the weight column, or "".
	Weight string
	// Nominal, with Options.Nominal, marks the feature columns that are
	// nominal (text, boolean, dictionary) rather than numeric; nil when
	// none is.
	Nominal []bool
	// Logical marks, among the nominal columns, those of boolean type
	// (Arrow and Parquet booleans; CSV has no type, its text is text),
	// which R's daisy treats as asymmetric binary; nil when none is.
	Logical []bool
	// Partitions are the columns that key=value directories give every
	// file, in path order, typed from all their values. They can be
	// features (when numeric) but are never chosen by default.
	Partitions []PartitionColumn
	// Rows is the total number of rows, counting rows that NullsDrop may
	// later leave out.
	Rows int64
	// Shards cover every row exactly once, in input order.
	Shards []Shard

	// csvTarget is the ShardRows the plan used, for ResolveCSV.
	csvTarget int64
}

// maxUnitRows bounds the rows one row group or batch may claim: 2⁴⁰ is
// beyond any real file and keeps sums of row counts far from overflow.
const maxUnitRows = 1 << 40

// column is one top-level column of a file as Scan sees it.
type column struct {
	name    string
	typ     string // the type as a user would recognise it: "double", "int64", "utf8"
	numeric bool
	// partition marks a column taken from key=value directories: it is
	// never a default feature.
	partition bool
}

// fileInfo is what a format's probe learns about a file from metadata (or,
// for CSV, a line count and a look at the first rows).
type fileInfo struct {
	columns []column
	units   []unit
	// ranges marks CSV byte ranges whose records are not counted.
	ranges bool
}

// Scan plans the shards of a dataset from metadata only: Parquet footers,
// Arrow IPC footers or stream batch headers, one newline-counting pass over
// a CSV file (with Options.CSVRanges, only its head). It resolves the
// feature and weight columns against the first file and checks that every
// file has them with numeric types. Errors name the file and column; an
// unknown column's error lists the columns there are.
//
// Cost: O(files + row groups + batches) metadata reads, plus one read
// through each Arrow stream (data released batch by batch) and each CSV
// file (no values parsed beyond the first few rows used to tell numeric
// columns from text; with CSVRanges, those rows are all an uncompressed
// file is read for).
//
// Partition columns (key=value directories) join every file's columns
// after its own; a numeric one can be named as a feature or weight, a
// text one cannot, and neither is a feature unless named.
func Scan(paths []string, opts Options) (*Dataset, error) {
	if err := opts.validate(); err != nil {
		return nil, err
	}
	inputs, err := expandPaths(paths, opts.Where)
	if err != nil {
		return nil, err
	}
	return ScanInputs(inputs, opts)
}

// ScanInputs is Scan of the files that ExpandPaths listed, so that a
// caller scans exactly the files it checked.
func ScanInputs(inputs []Input, opts Options) (*Dataset, error) {
	if err := opts.validate(); err != nil {
		return nil, err
	}
	if len(inputs) == 0 {
		return nil, fmt.Errorf("%w: no input paths", ErrEmptyDataset)
	}
	target := int64(opts.ShardRows)
	if target == 0 {
		target = defaultShardRows
	}
	parts, err := partitionTypes(inputs)
	if err != nil {
		return nil, err
	}
	files := make([]string, len(inputs))
	for i, in := range inputs {
		files[i] = in.Path
	}
	ds := &Dataset{Files: files, Weight: opts.Weight, Partitions: parts, csvTarget: target}
	var wanted []string // the columns a reader is asked for
	sawCSV := false
	for i, path := range files {
		format, err := FormatFromPath(path)
		if err != nil {
			return nil, err
		}
		sawCSV = sawCSV || format == FormatCSV
		// The tag is taken before the probe: an object replaced during
		// it leaves a plan whose tag is already stale, never a stale
		// plan under a fresh tag.
		version, err := objectVersion(path)
		if err != nil {
			return nil, err
		}
		info, err := probeWith(path, format, target, opts.CSV, opts.CSVRanges)
		if err != nil {
			return nil, err
		}
		if info.columns, err = withPartitionColumns(path, info.columns, parts); err != nil {
			return nil, err
		}
		if i == 0 {
			ds.Columns, err = resolveColumns(path, info.columns, opts)
			wanted = slices.Clone(ds.Columns)
			if opts.Weight != "" {
				wanted = append(wanted, opts.Weight)
			}
		} else {
			err = checkColumns(path, info.columns, files[0], ds.Columns, opts)
		}
		if err == nil && i == 0 {
			ds.Nominal, err = nominalFlags(path, info.columns, ds.Columns)
			if err == nil {
				ds.Logical = logicalFlags(info.columns, ds.Columns)
			}
		} else if err == nil && ds.Nominal != nil {
			var flags []bool
			if flags, err = nominalFlags(path, info.columns, ds.Columns); err == nil && !slices.Equal(flags, ds.Nominal) {
				err = fmt.Errorf("%w: %s: the nominal (text) columns among %s differ from those of %s", ErrSchemaMismatch, path, quoteList(ds.Columns), files[0])
			}
		}
		if err != nil {
			return nil, err
		}
		if err := checkPathColumns(path, wanted, parts); err != nil {
			return nil, err
		}
		if info.ranges {
			for _, u := range info.units {
				ds.Shards = append(ds.Shards, Shard{ID: len(ds.Shards), File: path, Format: format, First: u.first, Last: u.last, Rows: -1, CSV: opts.CSV, Version: version})
			}
			continue
		}
		for _, u := range info.units {
			if u.rows < 0 || u.rows > maxUnitRows {
				return nil, fmt.Errorf("%w: %s: a row group or batch claims %d rows", ErrCorrupt, path, u.rows)
			}
		}
		shards := planShards(path, format, info.units, target, len(ds.Shards), ds.Rows)
		for i := range shards {
			shards[i].Version = version
			ds.Rows += shards[i].Rows
			if format == FormatCSV {
				shards[i].CSV = opts.CSV
			}
		}
		ds.Shards = append(ds.Shards, shards...)
	}
	if !opts.CSV.IsZero() && !sawCSV {
		return nil, fmt.Errorf("%w: a CSV header or delimiter option is given but no input is a .csv file", ErrInvalidOptions)
	}
	if ds.Rows == 0 && !ds.Uncounted() {
		return nil, fmt.Errorf("%w: %s: no rows", ErrEmptyDataset, describePaths(files))
	}
	return ds, nil
}

// probe reads one file's columns and units, turning a panic inside the
// Arrow or Parquet decoders into ErrCorrupt.
func probe(path string, format Format, target int64, csvOpts CSVOptions) (*fileInfo, error) {
	return probeWith(path, format, target, csvOpts, false)
}

// probeWith is probe, cutting uncompressed CSV files into byte ranges
// when csvRanges is set (see Options.CSVRanges).
func probeWith(path string, format Format, target int64, csvOpts CSVOptions, csvRanges bool) (info *fileInfo, err error) {
	defer recoverCorrupt(path, &err)
	switch format {
	case FormatParquet:
		return probeParquet(path)
	case FormatArrowFile:
		return probeArrowFile(path)
	case FormatArrowStream:
		return probeArrowStream(path)
	case FormatCSV:
		return probeCSV(path, target, csvOpts, csvRanges)
	}
	return nil, fmt.Errorf("%w: %s: format %v", ErrUnknownFormat, path, format)
}

func (o *Options) validate() error {
	if o.ShardRows < 0 {
		return fmt.Errorf("%w: ShardRows %d is negative", ErrInvalidOptions, o.ShardRows)
	}
	if err := o.CSV.validate(); err != nil {
		return err
	}
	return validateColumnNames(o.Columns, o.Weight)
}

// validateColumnNames checks a feature list and weight as ReadShard and
// Scan both need them: no name twice, the weight not a feature.
func validateColumnNames(columns []string, weight string) error {
	seen := make(map[string]bool, len(columns))
	for _, c := range columns {
		if seen[c] {
			return fmt.Errorf("%w: column %q named twice", ErrInvalidOptions, c)
		}
		seen[c] = true
	}
	if weight != "" && seen[weight] {
		return fmt.Errorf("%w: weight column %q is also listed as a feature", ErrInvalidOptions, weight)
	}
	return nil
}

// ExpandPaths lists the files a dataset of the given paths reads, as Scan
// does, with the where filter applied: files as given, directories walked
// (links followed) and their supported files sorted by path, globs
// expanded (see expandGlob). Names starting with "." or "_" are skipped
// inside directories, as Spark and Hive do: they are temporary files,
// checksums and _SUCCESS markers. Directories of the form key=value that
// where leaves out are not entered. It reads no file, so a caller can
// check every file against its rules before ScanInputs opens any.
func ExpandPaths(paths []string, where Where) ([]Input, error) { return expandPaths(paths, where) }

// Input is one file of a dataset, as ExpandPaths finds it.
type Input struct {
	// Path is the file, as given or found under a directory or glob.
	Path string
	// Partition holds the key=value directories between the input's root
	// (the directory given, or a glob's fixed part) and the file,
	// outermost first.
	Partition []PartitionValue
}

func expandPaths(paths []string, where Where) ([]Input, error) {
	if len(paths) == 0 {
		return nil, fmt.Errorf("%w: no input paths", ErrEmptyDataset)
	}
	if err := where.validate(); err != nil {
		return nil, err
	}
	var out []Input
	keys := map[string]bool{} // partition keys met, for an unknown where key's error
	pruned := 0
	for _, p := range paths {
		if isRemote(p) {
			found, n, err := expandRemote(p, where, keys)
			if err != nil {
				return nil, err
			}
			out, pruned = append(out, found...), pruned+n
			continue
		}
		st, err := os.Stat(p)
		if err != nil && hasMeta(p) && errors.Is(err, fs.ErrNotExist) {
			found, n, err := expandGlob(p, where, keys)
			if err != nil {
				return nil, err
			}
			out, pruned = append(out, found...), pruned+n
			continue
		}
		if err != nil {
			if os.IsNotExist(err) {
				return nil, fmt.Errorf("%w: %s", ErrNotFound, p)
			}
			return nil, corrupt(p, "", err)
		}
		if !st.IsDir() {
			if _, err := FormatFromPath(p); err != nil {
				return nil, err
			}
			if !where.keeps(nil) {
				pruned++
				continue
			}
			out = append(out, Input{Path: p})
			continue
		}
		found, n, err := walkInputDir(p, where.pruner(keys))
		if err != nil {
			return nil, err
		}
		if len(found) == 0 && n == 0 {
			return nil, fmt.Errorf("%w: directory %s holds no %s file", ErrEmptyDataset, p, supportedExts)
		}
		slices.Sort(found)
		kept, n, err := partitioned(p, found, where, keys)
		if err != nil {
			return nil, err
		}
		out, pruned = append(out, kept...), pruned+n
	}
	if err := where.checkKeys(keys); err != nil {
		return nil, err
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("%w: %s: no file is left by --where %s", ErrNoMatch, describePaths(paths), where)
	}
	return out, nil
}

// partitioned gives each file found under root its partition and keeps
// those where keeps; it returns how many it left out.
func partitioned(root string, files []string, where Where, keys map[string]bool) ([]Input, int, error) {
	out := make([]Input, 0, len(files))
	left := 0
	for _, f := range files {
		parts, err := partitionBelow(root, f)
		if err != nil {
			return nil, 0, err
		}
		for _, pv := range parts {
			keys[pv.Key] = true
		}
		if !where.keeps(parts) {
			left++
			continue
		}
		out = append(out, Input{Path: f, Partition: parts})
	}
	return out, left, nil
}

// describePaths names the inputs for a message, cut short when many.
func describePaths(paths []string) string {
	if len(paths) > 3 {
		return fmt.Sprintf("%s and %d more paths", strings.Join(paths[:3], ", "), len(paths)-3)
	}
	return strings.Join(paths, ", ")
}

// walkInputDir lists the supported files under root, following symbolic
// links. A link back to a directory being walked is ErrSymlinkLoop, and a
// directory or file reached twice is ErrDuplicateInput: its rows would be
// read twice. A dangling link is ErrNotFound when its name is that of a
// data file, and skipped otherwise. A directory for which prune returns
// true is not entered; the count of those is returned.
func walkInputDir(root string, prune func(name string) bool) ([]string, int, error) {
	var found []string
	pruned := 0
	seen := map[string]string{} // resolved path → the path it was reached by
	open := map[string]bool{}   // resolved paths of the directories being walked
	var walk func(dir string) error
	walk = func(dir string) error {
		real, err := filepath.EvalSymlinks(dir)
		if err != nil {
			return corrupt(dir, "", err)
		}
		if open[real] {
			return fmt.Errorf("%w: %s leads back to %s, which holds it; remove the link or give the directories it joins as separate inputs", ErrSymlinkLoop, dir, seen[real])
		}
		if first, ok := seen[real]; ok {
			return fmt.Errorf("%w: %s and %s are the same directory; remove one of the links", ErrDuplicateInput, first, dir)
		}
		seen[real], open[real] = dir, true
		defer delete(open, real)
		entries, err := os.ReadDir(dir)
		if err != nil {
			return corrupt(dir, "", err)
		}
		for _, e := range entries {
			name := e.Name()
			if hiddenName(name) {
				continue
			}
			path := filepath.Join(dir, name)
			_, formatErr := FormatFromPath(path)
			isDir, key := e.IsDir(), filepath.Join(real, name)
			if e.Type()&fs.ModeSymlink != 0 {
				st, err := os.Stat(path)
				if err != nil {
					if formatErr != nil {
						continue
					}
					if errors.Is(err, fs.ErrNotExist) {
						return fmt.Errorf("%w: %s (a symbolic link to nothing)", ErrNotFound, path)
					}
					return corrupt(path, "", err)
				}
				isDir = st.IsDir()
				if !isDir {
					if key, err = filepath.EvalSymlinks(path); err != nil {
						return corrupt(path, "", err)
					}
				}
			}
			if isDir {
				if prune != nil && prune(name) {
					pruned++
					continue
				}
				if err := walk(path); err != nil {
					return err
				}
				continue
			}
			if formatErr != nil {
				continue
			}
			if first, ok := seen[key]; ok {
				return fmt.Errorf("%w: %s and %s are the same file; remove one of them or the link", ErrDuplicateInput, first, path)
			}
			seen[key] = path
			found = append(found, path)
		}
		return nil
	}
	if err := walk(root); err != nil {
		return nil, 0, err
	}
	return found, pruned, nil
}

// hiddenName reports whether a file or directory name is skipped inside
// input directories: temporary files, checksums, _SUCCESS, _delta_log.
func hiddenName(name string) bool {
	return strings.HasPrefix(name, ".") || strings.HasPrefix(name, "_")
}

// findColumn returns the column called name, or an error naming the file
// and listing the columns it has.
func findColumn(file string, cols []column, name string) (column, error) {
	idx := -1
	for i, c := range cols {
		if c.name == name {
			if idx >= 0 {
				return column{}, fmt.Errorf("%w: %s: column %q", ErrAmbiguousColumn, file, name)
			}
			idx = i
		}
	}
	if idx < 0 {
		return column{}, fmt.Errorf("%w: %s: column %q (available: %s)", ErrNoSuchColumn, file, name, describeColumns(cols))
	}
	return cols[idx], nil
}

// describeColumns lists columns with their types for an error message,
// cut short for very wide files.
func describeColumns(cols []column) string {
	const maxListed = 40
	var b strings.Builder
	for i, c := range cols {
		if i == maxListed {
			fmt.Fprintf(&b, ", ... and %d more", len(cols)-maxListed)
			break
		}
		if i > 0 {
			b.WriteString(", ")
		}
		fmt.Fprintf(&b, "%q", c.name)
		if c.typ != "" {
			fmt.Fprintf(&b, " (%s)", c.typ)
		}
	}
	if len(cols) == 0 {
		return "none"
	}
	return b.String()
}

// featureColumn finds name and checks it can be a feature: numeric, or
// with opts.Nominal, nominal too.
func featureColumn(file string, cols []column, name string, opts Options) error {
	if opts.Nominal {
		c, err := findColumn(file, cols, name)
		if err != nil {
			return err
		}
		if !c.numeric && !c.partition && nominalType(c.typ) {
			return nil
		}
	}
	return numericColumn(file, cols, name)
}

// nominalFlags marks the features that are not numeric; nil when all are.
func nominalFlags(file string, cols []column, features []string) ([]bool, error) {
	var out []bool
	for j, name := range features {
		c, err := findColumn(file, cols, name)
		if err != nil {
			return nil, err
		}
		if !c.numeric {
			if out == nil {
				out = make([]bool, len(features))
			}
			out[j] = true
		}
	}
	return out, nil
}

// logicalFlags marks the features of boolean type; nil when none is.
func logicalFlags(cols []column, features []string) []bool {
	var out []bool
	for j, name := range features {
		for _, c := range cols {
			if c.name == name && c.typ == "bool" {
				if out == nil {
					out = make([]bool, len(features))
				}
				out[j] = true
			}
		}
	}
	return out
}

// numericColumn finds name and checks it is numeric.
func numericColumn(file string, cols []column, name string) error {
	c, err := findColumn(file, cols, name)
	if err != nil {
		return err
	}
	if !c.numeric && c.partition {
		return fmt.Errorf("%w: %s: column %q comes from %s=... directories whose values are text; only a partition column whose values are all numbers can be a feature or weight",
			ErrNotNumeric, file, name, name)
	}
	if !c.numeric {
		return fmt.Errorf("%w: %s: column %q has type %s (want float32, float64 or an integer type)", ErrNotNumeric, file, name, c.typ)
	}
	return nil
}

// resolveColumns picks the feature columns from the first file.
func resolveColumns(file string, cols []column, opts Options) ([]string, error) {
	if opts.Weight != "" {
		if err := numericColumn(file, cols, opts.Weight); err != nil {
			return nil, err
		}
	}
	if len(opts.Columns) > 0 {
		for _, name := range opts.Columns {
			if err := featureColumn(file, cols, name, opts); err != nil {
				return nil, err
			}
		}
		return slices.Clone(opts.Columns), nil
	}
	for _, name := range opts.Exclude {
		if _, err := findColumn(file, cols, name); err != nil {
			return nil, err
		}
	}
	auto := autoColumns(cols, opts)
	if len(auto) == 0 {
		return nil, fmt.Errorf("%w: %s: no numeric feature column left (columns: %s)", ErrInvalidOptions, file, describeColumns(cols))
	}
	return auto, nil
}

// autoColumns lists, in file order, the numeric columns that are neither
// excluded nor the weight.
func autoColumns(cols []column, opts Options) []string {
	var out []string
	for _, c := range cols {
		if (c.numeric || opts.Nominal && nominalType(c.typ)) && !c.partition && c.name != opts.Weight && !slices.Contains(opts.Exclude, c.name) {
			out = append(out, c.name)
		}
	}
	return out
}

// checkColumns checks a later file against the columns resolved from the
// first one.
func checkColumns(file string, cols []column, first string, features []string, opts Options) error {
	want := features
	if opts.Weight != "" {
		want = append(slices.Clone(features), opts.Weight)
	}
	for _, name := range want {
		if _, err := findColumn(file, cols, name); err != nil {
			if errors.Is(err, ErrNoSuchColumn) {
				return fmt.Errorf("%w: %s has no column %q, which %s has (available: %s)", ErrSchemaMismatch, file, name, first, describeColumns(cols))
			}
			return err
		}
		check := featureColumn
		if name == opts.Weight {
			check = func(file string, cols []column, name string, _ Options) error { return numericColumn(file, cols, name) }
		}
		if err := check(file, cols, name, opts); err != nil {
			return err
		}
	}
	if len(opts.Columns) == 0 {
		auto := autoColumns(cols, opts)
		if !slices.Equal(auto, features) {
			return fmt.Errorf("%w: %s has numeric columns %s but %s has %s; name the features explicitly to use the common ones",
				ErrSchemaMismatch, file, quoteList(auto), first, quoteList(features))
		}
	}
	return nil
}

func quoteList(names []string) string {
	q := make([]string, len(names))
	for i, n := range names {
		q[i] = fmt.Sprintf("%q", n)
	}
	return "[" + strings.Join(q, ", ") + "]"
}
