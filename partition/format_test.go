package partition

import "testing"

func TestFormatFromPath(t *testing.T) {
	for _, c := range []struct {
		path string
		want Format
		ok   bool
	}{
		{"a.parquet", FormatParquet, true},
		{"dir/part-0001.PQ", FormatParquet, true},
		{"x.arrow", FormatArrowFile, true},
		{"x.feather", FormatArrowFile, true},
		{"x.ipc", FormatArrowFile, true},
		{"x.arrows", FormatArrowStream, true},
		{"x.Arrows", FormatArrowStream, true},
		{"data.csv", FormatCSV, true},
		{"data.csv.gz", FormatCSV, true},
		{"data.CSV.ZST", FormatCSV, true},
		{"data.parquet.gz", 0, false},
		{"data.gz", 0, false},
		{"data.zst", 0, false},
		{"data.json", 0, false},
		{"parquet", 0, false},
		{"", 0, false},
	} {
		got, err := FormatFromPath(c.path)
		if c.ok && (err != nil || got != c.want) {
			t.Errorf("FormatFromPath(%q) = %v, %v; want %v", c.path, got, err, c.want)
		}
		if !c.ok {
			if err == nil {
				t.Errorf("FormatFromPath(%q) = %v, want ErrUnknownFormat", c.path, got)
				continue
			}
			wantErr(t, err, ErrUnknownFormat, c.path)
		}
	}
}

func TestFormatString(t *testing.T) {
	for f, want := range map[Format]string{
		FormatParquet: "parquet", FormatArrowFile: "arrow", FormatArrowStream: "arrow-stream", FormatCSV: "csv", Format(9): "Format(9)",
	} {
		if got := f.String(); got != want {
			t.Errorf("Format(%d).String() = %q, want %q", int(f), got, want)
		}
	}
}
