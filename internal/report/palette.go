package report

import (
	"image/color"
	"math"
)

// tableau10 is the Tableau 10 palette (also matplotlib's default cycle):
// ten hues chosen to stay apart for most forms of colour blindness.
var tableau10 = []color.RGBA{
	{0x1f, 0x77, 0xb4, 0xff}, {0xff, 0x7f, 0x0e, 0xff}, {0x2c, 0xa0, 0x2c, 0xff},
	{0xd6, 0x27, 0x28, 0xff}, {0x94, 0x67, 0xbd, 0xff}, {0x8c, 0x56, 0x4b, 0xff},
	{0xe3, 0x77, 0xc2, 0xff}, {0x7f, 0x7f, 0x7f, 0xff}, {0xbc, 0xbd, 0x22, 0xff},
	{0x17, 0xbe, 0xcf, 0xff},
}

// tableau10Light are the light companions of tableau10 in Tableau 20:
// the same hues, told apart from the first ten by lightness.
var tableau10Light = []color.RGBA{
	{0xae, 0xc7, 0xe8, 0xff}, {0xff, 0xbb, 0x78, 0xff}, {0x98, 0xdf, 0x8a, 0xff},
	{0xff, 0x98, 0x96, 0xff}, {0xc5, 0xb0, 0xd5, 0xff}, {0xc4, 0x9c, 0x94, 0xff},
	{0xf7, 0xb6, 0xd2, 0xff}, {0xc7, 0xc7, 0xc7, 0xff}, {0xdb, 0xdb, 0x8d, 0xff},
	{0x9e, 0xda, 0xe5, 0xff},
}

// clusterColor is the colour of cluster c in every plot: Tableau 10 for
// the first ten, their light companions for the next ten, then hues
// spaced by the golden angle, which never repeat.
func clusterColor(c int) color.RGBA {
	if c < len(tableau10) {
		return tableau10[c]
	}
	if c < 2*len(tableau10) {
		return tableau10Light[c-len(tableau10)]
	}
	h := math.Mod(float64(c-2*len(tableau10))*0.6180339887498949+0.05, 1)
	v := 0.85 - 0.25*float64((c/len(tableau10))%2)
	return hsv(h, 0.65, v)
}

// hsv converts a colour with hue, saturation and value in [0, 1].
func hsv(h, s, v float64) color.RGBA {
	i := math.Floor(h * 6)
	f := h*6 - i
	p, q, t := v*(1-s), v*(1-f*s), v*(1-(1-f)*s)
	var r, g, b float64
	switch int(i) % 6 {
	case 0:
		r, g, b = v, t, p
	case 1:
		r, g, b = q, v, p
	case 2:
		r, g, b = p, v, t
	case 3:
		r, g, b = p, q, v
	case 4:
		r, g, b = t, p, v
	default:
		r, g, b = v, p, q
	}
	return color.RGBA{uint8(r*255 + 0.5), uint8(g*255 + 0.5), uint8(b*255 + 0.5), 0xff}
}
