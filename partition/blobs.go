package partition

import (
	"fmt"
	"math"
	"strconv"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/shoal-io/shoal/algo"
)

// BlobsConfig describes isotropic Gaussian blobs, as scikit-learn's
// make_blobs makes them: K centres drawn uniformly in a box, each row
// assigned a centre and drawn from a normal around it.
type BlobsConfig struct {
	// N is the number of rows (≥ 0), D the number of features (≥ 1), K the
	// number of blobs (≥ 1).
	N, D, K int
	// Seed determines everything: the same config gives the same file.
	Seed uint64
	// Std is the standard deviation of every blob along every axis; 0
	// means 1.0 (make_blobs' cluster_std default).
	Std float64
	// Box places centres uniformly in [-Box, Box]^D; 0 means 10.0
	// (make_blobs' center_box default).
	Box float64
	// BatchRows is the rows per row group, record batch or CSV chunk; 0
	// means 65536. Rows are drawn per batch, so the data depends on it.
	BatchRows int
}

// Blobs describes what GenerateBlobs wrote.
type Blobs struct {
	// Centres are the K×D generating centres, in label order.
	Centres [][]float64
}

// GenerateBlobs writes cfg.N rows of Gaussian blobs to path (format by
// extension): float32 columns f0..f{D-1} and an int32 column label holding
// each row's blob. Centres come from algo.NewRand(Seed); batch b's rows
// (labels uniform over the K blobs, then the D coordinates) from
// algo.NewRand(Seed, b), so generation streams in O(BatchRows·D) memory and
// the same config gives byte-identical files in every format.
func GenerateBlobs(path string, cfg BlobsConfig) (*Blobs, error) {
	if _, err := cfg.Check(path); err != nil {
		return nil, err
	}
	std, box, batch := cfg.Std, cfg.Box, cfg.BatchRows
	if std == 0 {
		std = 1
	}
	if box == 0 {
		box = 10
	}
	if batch == 0 {
		batch = tableBatchRows
	}
	r := algo.NewRand(cfg.Seed)
	blobs := &Blobs{Centres: make([][]float64, cfg.K)}
	for k := range blobs.Centres {
		c := make([]float64, cfg.D)
		for j := range c {
			c[j] = (2*r.Float64() - 1) * box
		}
		blobs.Centres[k] = c
	}

	fields := make([]arrow.Field, cfg.D+1)
	for j := range cfg.D {
		fields[j] = arrow.Field{Name: "f" + strconv.Itoa(j), Type: arrow.PrimitiveTypes.Float32}
	}
	fields[cfg.D] = arrow.Field{Name: "label", Type: arrow.PrimitiveTypes.Int32}
	tw, err := createTable(path, arrow.NewSchema(fields, nil), dataTable)
	if err != nil {
		return nil, err
	}
	rows := min(batch, cfg.N)
	data := make([]float32, rows*cfg.D) // row-major, in drawing order
	col := make([]float32, rows)
	labels := make([]int32, rows)
	for b := 0; b*batch < cfg.N; b++ {
		n := min(batch, cfg.N-b*batch)
		r := algo.NewRand(cfg.Seed, uint64(b))
		for i := range n {
			k := r.IntN(cfg.K)
			labels[i] = int32(k)
			c, row := blobs.Centres[k], data[i*cfg.D:(i+1)*cfg.D]
			for j := range row {
				row[j] = float32(c[j] + std*r.NormFloat64())
			}
		}
		rb := array.NewRecordBuilder(memory.DefaultAllocator, tw.schema)
		for j := range cfg.D {
			for i := range n {
				col[i] = data[i*cfg.D+j]
			}
			rb.Field(j).(*array.Float32Builder).AppendValues(col[:n], nil)
		}
		rb.Field(cfg.D).(*array.Int32Builder).AppendValues(labels[:n], nil)
		rec := rb.NewRecordBatch()
		rb.Release()
		err := tw.write(rec)
		rec.Release()
		if err != nil {
			tw.abort()
			return nil, err
		}
	}
	if err := tw.commit(); err != nil {
		return nil, err
	}
	return blobs, nil
}

// Limits of GenerateBlobs. The columns are one Arrow field each, and
// every batch is held three times over (rows as drawn, a column buffer,
// the Arrow builders): a million columns, or a batch of many gigabytes,
// is a typing mistake, not a dataset.
const (
	// maxBlobsD bounds the number of feature columns.
	maxBlobsD = 1 << 16
	// maxBlobsMemory bounds what GenerateBlobs holds at once: the K×D
	// centres and one batch.
	maxBlobsMemory = 4 << 30
	// maxBlobsValues bounds N×(D+1), the values written: 2^50 is a
	// petabyte or more in every format.
	maxBlobsValues = 1 << 50
)

// Check validates cfg for a file at path without writing anything, and
// returns an estimate of the bytes the file will take: a caller can
// compare it with the free space before it starts. It returns an error
// wrapping ErrInvalidArgument, naming path, when a field is out of range
// or the sizes cannot be held: N×(D+1) values beyond 2^50, more than 65536
// columns, or centres and one batch taking more than 4 GiB of memory.
func (cfg BlobsConfig) Check(path string) (int64, error) {
	if cfg.N < 0 || cfg.D < 1 || cfg.K < 1 || cfg.K > math.MaxInt32 || cfg.BatchRows < 0 ||
		!(cfg.Std >= 0) || !(cfg.Box >= 0) || math.IsInf(cfg.Std, 0) || math.IsInf(cfg.Box, 0) {
		return 0, fmt.Errorf("%w: %s: blobs N=%d D=%d K=%d Std=%g Box=%g BatchRows=%d (want N ≥ 0, D ≥ 1, K ≥ 1, finite Std, Box ≥ 0)",
			ErrInvalidArgument, path, cfg.N, cfg.D, cfg.K, cfg.Std, cfg.Box, cfg.BatchRows)
	}
	if cfg.D > maxBlobsD {
		return 0, fmt.Errorf("%w: %s: %d features, at most %d", ErrInvalidArgument, path, cfg.D, maxBlobsD)
	}
	// Sizes in float64: exact enough for a bound, and no product overflows.
	n, d, k := float64(cfg.N), float64(cfg.D), float64(cfg.K)
	if values := n * (d + 1); values > maxBlobsValues {
		return 0, fmt.Errorf("%w: %s: %d rows × %d columns is %.3g values, more than any disk holds; lower the row count or the features",
			ErrInvalidArgument, path, cfg.N, cfg.D+1, values)
	}
	batch := cfg.BatchRows
	if batch == 0 {
		batch = tableBatchRows
	}
	rows := min(float64(batch), n)
	if mem := 8*k*d + 16*rows*(d+1); mem > maxBlobsMemory {
		return 0, fmt.Errorf("%w: %s: %d blobs and batches of %d rows in %d features take %.1f GiB of memory, at most %d GiB; lower the batch rows, the blobs or the features",
			ErrInvalidArgument, path, cfg.K, batch, cfg.D, mem/(1<<30), maxBlobsMemory>>30)
	}
	format, err := FormatFromPath(path)
	if err != nil {
		return 0, err
	}
	perValue := 4.0 // float32 and int32 in the binary formats
	if format == FormatCSV {
		perValue = 12 // a shortest float32 and its separator, roughly
	}
	return int64(n * (d + 1) * perValue), nil
}
