package report

import (
	"bytes"
	"fmt"
	"image/color"
	"math"
	"strconv"
	"strings"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/font"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"
)

// Figure is one PNG image: plots in a grid, with an optional colour bar
// in a strip on the right.
type Figure struct {
	// File is the PNG's name inside the split's directory.
	File string
	// Caption describes the figure in the Markdown report.
	Caption string
	// Panels holds the plots by row, then column.
	Panels [][]*plot.Plot
	// ColorBar, when not nil, is drawn in a strip of colorBarWidth at the
	// right edge.
	ColorBar *plot.Plot
	// Width and Height are the image size.
	Width, Height vg.Length
}

// Plots returns every plot of the figure, the colour bar last.
func (f *Figure) Plots() []*plot.Plot {
	var out []*plot.Plot
	for _, row := range f.Panels {
		for _, p := range row {
			if p != nil {
				out = append(out, p)
			}
		}
	}
	if f.ColorBar != nil {
		out = append(out, f.ColorBar)
	}
	return out
}

// Image size and resolution of the figures.
const (
	figureDPI     = 110
	colorBarWidth = 1.35 * vg.Inch
)

// sansFont is the typeface of every label: Liberation Sans, which gonum/plot
// embeds, so output does not depend on the fonts installed.
var sansFont = font.Font{Typeface: "Liberation", Variant: "Sans"}

// PNG draws the figure and encodes it. A panic inside gonum/plot, which it
// raises on input such as an empty axis range, is returned as an error.
func (f *Figure) PNG() (out []byte, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("draw %s: %v", f.File, r)
		}
	}()
	img := vgimg.NewWith(vgimg.UseWH(f.Width, f.Height), vgimg.UseDPI(figureDPI))
	dc := draw.New(img)

	// The colour bar takes a strip on the right; the panels share the rest.
	main := dc
	if f.ColorBar != nil {
		main = draw.Crop(dc, 0, -colorBarWidth, 0, 0)
		bar := draw.Crop(dc, dc.Max.X-dc.Min.X-colorBarWidth, 0, 0, 0)
		// Leave room above and below, so the bar lines up with the data
		// area of the plot beside it rather than with the title.
		bar = draw.Crop(bar, 0, -0.15*vg.Inch, 0.55*vg.Inch, -0.45*vg.Inch)
		f.ColorBar.Draw(bar)
	}

	rows := len(f.Panels)
	cols := 0
	for _, r := range f.Panels {
		cols = max(cols, len(r))
	}
	grid := make([][]*plot.Plot, rows)
	for i := range grid {
		grid[i] = make([]*plot.Plot, cols)
		copy(grid[i], f.Panels[i])
	}
	tiles := draw.Tiles{
		Rows: rows, Cols: cols,
		PadX: 0.35 * vg.Inch, PadY: 0.3 * vg.Inch,
		PadTop: 0.1 * vg.Inch, PadBottom: 0.1 * vg.Inch,
		PadLeft: 0.1 * vg.Inch, PadRight: 0.2 * vg.Inch,
	}
	canvases := plot.Align(grid, tiles, main)
	for i := range grid {
		for j, p := range grid[i] {
			if p != nil {
				p.Draw(canvases[i][j])
			}
		}
	}

	var buf bytes.Buffer
	if _, err := (vgimg.PngCanvas{Canvas: img}).WriteTo(&buf); err != nil {
		return nil, fmt.Errorf("encode %s: %w", f.File, err)
	}
	return buf.Bytes(), nil
}

// newPlot returns a plot with the house style: sans-serif text, a light
// grid drawn by the caller, and tick labels with thousands separators.
func newPlot(title, xLabel, yLabel string) *plot.Plot {
	p := plot.New()
	p.Title.Text = title
	p.Title.TextStyle.Font = font.From(sansFont, 11)
	p.Title.Padding = 0.08 * vg.Inch
	for _, ax := range []*plot.Axis{&p.X, &p.Y} {
		ax.Label.TextStyle.Font = font.From(sansFont, 10)
		ax.Tick.Label.Font = font.From(sansFont, 9)
		ax.Tick.Marker = readableTicks{}
	}
	p.X.Label.Text = xLabel
	p.Y.Label.Text = yLabel
	p.Legend.TextStyle.Font = font.From(sansFont, 9)
	p.Legend.Top = true
	return p
}

// readableTicks are gonum/plot's default tick positions with labels of
// their own: as many decimals as the step between labels needs, and
// thousands separators from 10,000 up. gonum/plot's own labels can print
// -120.1 as "-1.2e+02" when the axis spans a fraction of a unit.
type readableTicks struct{}

func (readableTicks) Ticks(lo, hi float64) []plot.Tick {
	if !(hi > lo) {
		// gonum/plot's tickers panic on an empty range; mark the value
		// alone.
		return []plot.Tick{{Value: lo, Label: formatTick(lo, 6)}}
	}
	ticks := plot.DefaultTicks{}.Ticks(lo, hi)
	var labelled []float64
	for _, t := range ticks {
		if t.Label != "" {
			labelled = append(labelled, t.Value)
		}
	}
	decimals := tickDecimals(labelled)
	for i, t := range ticks {
		if t.Label != "" {
			ticks[i].Label = formatTick(t.Value, decimals)
		}
	}
	return ticks
}

// tickDecimals returns the fewest decimals, up to 6, that write every
// value exactly: 0.45 needs two, so 0.5 next to it is written "0.50".
// A value counts as exact when its label parses back to within a
// millionth of the largest value's magnitude, which absorbs the rounding
// in tick positions such as 0.30000000000000004.
func tickDecimals(values []float64) int {
	scale := 0.0
	for _, v := range values {
		scale = math.Max(scale, math.Abs(v))
	}
	tolerance := 1e-6 * math.Max(scale, 1e-12)
	for d := 0; d < 6; d++ {
		exact := true
		for _, v := range values {
			back, err := strconv.ParseFloat(strconv.FormatFloat(v, 'f', d, 64), 64)
			if err != nil || math.Abs(back-v) > tolerance {
				exact = false
				break
			}
		}
		if exact {
			return d
		}
	}
	return 6
}

// formatTick writes v with the given decimals, grouping the digits of
// whole values of 10,000 and above by thousands. Values beyond ±1e15 are
// written in exponent form.
func formatTick(v float64, decimals int) string {
	switch {
	case math.Abs(v) >= 1e15:
		return strconv.FormatFloat(v, 'g', 6, 64)
	case decimals == 0 && math.Abs(v) >= 1e4:
		return groupThousands(int64(math.Round(v)))
	}
	return strconv.FormatFloat(v, 'f', decimals, 64)
}

// groupThousands writes n with commas between groups of three digits.
func groupThousands(n int64) string {
	s := strconv.FormatInt(n, 10)
	sign := ""
	if strings.HasPrefix(s, "-") {
		sign, s = "-", s[1:]
	}
	var b strings.Builder
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	return sign + b.String()
}

// seriesColors are the colours of successive seeds and series: the first
// eight of the Tableau 10 palette.
var seriesColors = []color.RGBA{
	{31, 119, 180, 255}, {255, 127, 14, 255}, {44, 160, 44, 255}, {214, 39, 40, 255},
	{148, 103, 189, 255}, {140, 86, 75, 255}, {227, 119, 194, 255}, {127, 127, 127, 255},
}

func seriesColor(i int) color.RGBA { return seriesColors[i%len(seriesColors)] }

// padRange widens [lo, hi] by frac of its width on each side, and makes
// an empty range one unit wide, so that an axis never has zero length.
func padRange(lo, hi, frac float64) (float64, float64) {
	if !(hi > lo) {
		d := math.Max(math.Abs(lo)*0.05, 0.5)
		return lo - d, hi + d
	}
	d := (hi - lo) * frac
	return lo - d, hi + d
}
