package report

import (
	"image/color"
	"testing"
)

// TestClusterColorsDistinct: no two of the first 60 clusters share a
// colour, and none is white (the background) or black (the centres).
func TestClusterColorsDistinct(t *testing.T) {
	seen := map[color.RGBA]int{}
	for c := range 60 {
		col := clusterColor(c)
		if prev, ok := seen[col]; ok {
			t.Errorf("clusters %d and %d share %v", prev, c, col)
		}
		if col == (color.RGBA{0xff, 0xff, 0xff, 0xff}) || col == (color.RGBA{0, 0, 0, 0xff}) {
			t.Errorf("cluster %d is %v", c, col)
		}
		seen[col] = c
	}
}
