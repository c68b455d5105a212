package report

import (
	"cmp"
	"fmt"
	"image/color"
	"math"
	"slices"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// maxImportanceFeatures is the number of features an importance figure
// shows, the most important by permutation first.
const maxImportanceFeatures = 15

// maxFeatureLabel is the longest feature name drawn in full, in runes.
const maxFeatureLabel = 32

// Figures returns the split's figures, in the order the report shows
// them, and a note for each figure it leaves out.
func (r *Report) Figures(s *Split) (figs []*Figure, notes []string) {
	add := func(f *Figure, err error) {
		if err != nil {
			notes = append(notes, err.Error()+".")
			return
		}
		figs = append(figs, f)
	}
	for _, m := range s.Models {
		if hasHistory(m) {
			add(r.learningCurves(s, m), nil)
		}
	}
	for _, m := range s.Models {
		add(r.predictedVsActual(s, m))
	}
	if s.Lat != nil && s.Lon != nil {
		for _, m := range s.Models {
			add(r.residualMap(s, m))
		}
	}
	for _, m := range s.Models {
		if len(m.Runs) == 0 || m.Runs[0].Steps == nil {
			continue
		}
		add(r.ponderHistogram(s, m))
		if s.Lat != nil && s.Lon != nil {
			add(r.ponderMap(s, m))
		}
	}
	for _, m := range s.Models {
		if m.Importance != nil {
			add(r.importance(s, m))
		}
	}
	return figs, notes
}

func hasHistory(m *Model) bool {
	for _, run := range m.Runs {
		if len(run.History) > 0 {
			return true
		}
	}
	return false
}

// seedLabel names the run a single-run figure shows, when there are
// several.
func seedLabel(m *Model) string {
	if len(m.Runs) < 2 {
		return ""
	}
	return fmt.Sprintf(" (seed %d)", m.Runs[0].Seed)
}

// learningCurves plots the training loss and the validation RMSE of every
// run per epoch, in two panels because their units differ.
func (r *Report) learningCurves(s *Split, m *Model) *Figure {
	loss := newPlot(fmt.Sprintf("%s training loss, %s", m.Name, s.Name), "epoch", "training MSE of the standardised target (unitless)")
	rmse := newPlot(fmt.Sprintf("%s validation RMSE, %s", m.Name, s.Name), "epoch", fmt.Sprintf("validation RMSE (%s)", r.TargetUnit()))
	for _, p := range []*plot.Plot{loss, rmse} {
		p.Add(plotter.NewGrid())
	}
	for i, run := range m.Runs {
		if len(run.History) == 0 {
			continue
		}
		lossXY := make(plotter.XYs, len(run.History))
		rmseXY := make(plotter.XYs, len(run.History))
		for k, e := range run.History {
			lossXY[k] = plotter.XY{X: float64(e.Epoch), Y: e.TrainLoss}
			rmseXY[k] = plotter.XY{X: float64(e.Epoch), Y: e.ValidRMSE}
		}
		for _, pair := range []struct {
			p   *plot.Plot
			xys plotter.XYs
		}{{loss, lossXY}, {rmse, rmseXY}} {
			line, points, err := plotter.NewLinePoints(finiteXYs(pair.xys))
			if err != nil {
				continue
			}
			line.Color, line.Width = seriesColor(i), vg.Points(1.5)
			points.Color, points.Radius, points.Shape = seriesColor(i), vg.Points(2), draw.CircleGlyph{}
			pair.p.Add(line, points)
			if len(m.Runs) > 1 {
				pair.p.Legend.Add(fmt.Sprintf("seed %d", run.Seed), line, points)
			}
		}
	}
	for _, p := range []*plot.Plot{loss, rmse} {
		p.X.Min = math.Min(p.X.Min, 1)
	}
	return &Figure{
		File:    "learning-curves-" + m.Key + ".png",
		Caption: fmt.Sprintf("%s learning curves on the %s: training loss (top) and validation RMSE (bottom) after each epoch.", m.Name, s.Name),
		Panels:  [][]*plot.Plot{{loss}, {rmse}},
		Width:   7 * vg.Inch, Height: 7 * vg.Inch,
	}
}

// finiteXYs drops points with a NaN or infinite coordinate, which
// gonum/plot rejects.
func finiteXYs(xys plotter.XYs) plotter.XYs {
	out := make(plotter.XYs, 0, len(xys))
	for _, p := range xys {
		if isFinite(p.X) && isFinite(p.Y) {
			out = append(out, p)
		}
	}
	return out
}

func isFinite(v float64) bool { return !math.IsNaN(v) && !math.IsInf(v, 0) }

// predictedVsActual plots the first run's test predictions against the
// true values, with the line y = x on which a perfect model's points lie.
func (r *Report) predictedVsActual(s *Split, m *Model) (*Figure, error) {
	if len(m.Runs) == 0 || len(m.Runs[0].Pred) != len(s.Truth) || len(s.Truth) == 0 {
		return nil, fmt.Errorf("%s: no test predictions, so no predicted-vs-actual plot", m.Name)
	}
	run := m.Runs[0]
	unit := r.TargetUnit()
	p := newPlot(fmt.Sprintf("%s%s: predicted vs actual, test rows, %s", m.Name, seedLabel(m), s.Name),
		fmt.Sprintf("actual %s (%s)", r.Target, unit), fmt.Sprintf("predicted %s (%s)", r.Target, unit))
	p.Add(plotter.NewGrid())

	xys := make(plotter.XYs, len(s.Truth))
	lo, hi := math.Inf(1), math.Inf(-1)
	for i, y := range s.Truth {
		xys[i] = plotter.XY{X: y, Y: run.Pred[i]}
		lo = math.Min(lo, math.Min(y, run.Pred[i]))
		hi = math.Max(hi, math.Max(y, run.Pred[i]))
	}
	lo, hi = padRange(lo, hi, 0.03)
	points, err := plotter.NewScatter(finiteXYs(xys))
	if err != nil {
		return nil, fmt.Errorf("%s: predicted vs actual: %w", m.Name, err)
	}
	// Translucent points show where many rows overlap.
	points.Color = color.NRGBA{31, 119, 180, alphaFor(len(xys))}
	points.Radius = markerRadius(len(xys))
	points.Shape = draw.CircleGlyph{}
	identity, err := plotter.NewLine(plotter.XYs{{X: lo, Y: lo}, {X: hi, Y: hi}})
	if err != nil {
		return nil, err
	}
	identity.Color, identity.Width, identity.Dashes = color.Gray{60}, vg.Points(1.2), []vg.Length{vg.Points(5), vg.Points(3)}
	p.Add(points, identity)
	p.Legend.Add(fmt.Sprintf("test rows (%d), R² %.4f", len(xys), run.Test.R2), points)
	p.Legend.Add("y = x", identity)
	p.Legend.Left = true
	p.X.Min, p.X.Max, p.Y.Min, p.Y.Max = lo, hi, lo, hi
	return &Figure{
		File:    "predicted-vs-actual-" + m.Key + ".png",
		Caption: fmt.Sprintf("%s%s on the %s: each point is a test row; points on the dashed line are predicted exactly.", m.Name, seedLabel(m), s.Name),
		Panels:  [][]*plot.Plot{{p}},
		Width:   6 * vg.Inch, Height: 6 * vg.Inch,
	}, nil
}

// alphaFor returns the opacity of scatter points: opaque for a few
// hundred rows, fainter for thousands so that dense areas stand out.
func alphaFor(n int) uint8 {
	switch {
	case n <= 500:
		return 200
	case n <= 5000:
		return 110
	default:
		return 60
	}
}

// markerRadius returns the radius of scatter points for n rows.
func markerRadius(n int) vg.Length {
	switch {
	case n <= 500:
		return vg.Points(2.6)
	case n <= 5000:
		return vg.Points(1.8)
	default:
		return vg.Points(1.2)
	}
}

// ponderHistogram counts the test rows by ponder steps, rounded to whole
// cycles.
func (r *Report) ponderHistogram(s *Split, m *Model) (*Figure, error) {
	steps := m.Runs[0].Steps
	if len(steps) == 0 {
		return nil, fmt.Errorf("%s: no ponder steps, so no ponder histogram", m.Name)
	}
	counts := map[int]int{}
	lo, hi := math.MaxInt, math.MinInt
	for _, v := range steps {
		k := int(math.Round(v))
		counts[k]++
		lo, hi = min(lo, k), max(hi, k)
	}
	values := make(plotter.Values, hi-lo+1)
	for k := lo; k <= hi; k++ {
		values[k-lo] = float64(counts[k])
	}

	p := newPlot(fmt.Sprintf("%s%s ponder steps, test rows, %s", m.Name, seedLabel(m), s.Name),
		"ponder steps (high-level cycles a row used, summed over segments)", "test rows")
	p.Add(plotter.NewGrid())
	width := vg.Points(math.Max(4, math.Min(40, 300/float64(len(values)))))
	bars, err := plotter.NewBarChart(values, width)
	if err != nil {
		return nil, fmt.Errorf("%s: ponder histogram: %w", m.Name, err)
	}
	bars.XMin = float64(lo)
	bars.Color = seriesColor(0)
	bars.LineStyle.Width = 0
	p.Add(bars)

	p.X.Min, p.X.Max = float64(lo)-0.7, float64(hi)+0.7
	// Leave a margin above the tallest bar.
	p.Y.Min, p.Y.Max = 0, 1.08*slices.Max(values)
	if hi-lo <= 20 {
		var ticks plot.ConstantTicks
		for k := lo; k <= hi; k++ {
			ticks = append(ticks, plot.Tick{Value: float64(k), Label: fmt.Sprint(k)})
		}
		p.X.Tick.Marker = ticks
	}

	mean, _ := meanOf(steps)
	return &Figure{
		File:    "ponder-steps-" + m.Key + ".png",
		Caption: fmt.Sprintf("%s%s on the %s: test rows by the number of high-level cycles they used (mean %.2f).", m.Name, seedLabel(m), s.Name, mean),
		Panels:  [][]*plot.Plot{{p}},
		Width:   6.5 * vg.Inch, Height: 4.5 * vg.Inch,
	}, nil
}

func meanOf(xs []float64) (float64, int) {
	var sum float64
	for _, x := range xs {
		sum += x
	}
	return sum / float64(len(xs)), len(xs)
}

// importance draws a tree model's impurity and permutation importances
// side by side, for the features with the largest permutation scores.
func (r *Report) importance(s *Split, m *Model) (*Figure, error) {
	if len(m.Importance) == 0 {
		return nil, fmt.Errorf("%s: no feature importances", m.Name)
	}
	top := slices.Clone(m.Importance)
	slices.SortStableFunc(top, func(a, b Importance) int {
		return cmp.Or(cmp.Compare(b.PermutationMean, a.PermutationMean), cmp.Compare(b.Impurity, a.Impurity))
	})
	top = top[:min(len(top), maxImportanceFeatures)]
	// Bars are drawn from the bottom up: reverse, so the most important
	// feature is at the top.
	slices.Reverse(top)
	names := make([]string, len(top))
	impurity := make(plotter.Values, len(top))
	perm := make(plotter.Values, len(top))
	errs := make(plotter.XErrors, len(top))
	permXY := make(plotter.XYs, len(top))
	for i, imp := range top {
		names[i] = shorten(imp.Feature, maxFeatureLabel)
		impurity[i] = imp.Impurity
		perm[i] = imp.PermutationMean
		errs[i] = struct{ Low, High float64 }{-imp.PermutationStd, imp.PermutationStd}
		permXY[i] = plotter.XY{X: imp.PermutationMean, Y: float64(i)}
	}

	barWidth := vg.Points(math.Max(6, math.Min(18, 260/float64(len(top)))))
	left := newPlot(fmt.Sprintf("%s: impurity importance, %s", m.Name, s.Name), "share of the squared-error reduction (all features sum to 1)", "feature")
	right := newPlot(fmt.Sprintf("%s: permutation importance, test rows, %s", m.Name, s.Name),
		fmt.Sprintf("drop in test R² when shuffled (unitless; mean ± std of %d shuffles)", m.PermutationRepeats), "")
	for _, pair := range []struct {
		p      *plot.Plot
		values plotter.Values
		color  color.RGBA
	}{{left, impurity, seriesColor(0)}, {right, perm, seriesColor(1)}} {
		pair.p.Add(plotter.NewGrid())
		bars, err := plotter.NewBarChart(pair.values, barWidth)
		if err != nil {
			return nil, fmt.Errorf("%s: importance: %w", m.Name, err)
		}
		bars.Horizontal = true
		bars.Color = pair.color
		bars.LineStyle.Width = 0
		pair.p.Add(bars)
		pair.p.NominalY(names...)
		pair.p.X.Min = math.Min(0, pair.p.X.Min)
	}
	whiskers, err := plotter.NewXErrorBars(struct {
		plotter.XYs
		plotter.XErrors
	}{permXY, errs})
	if err != nil {
		return nil, fmt.Errorf("%s: importance: %w", m.Name, err)
	}
	whiskers.Color = color.Gray{40}
	right.Add(whiskers)
	right.HideY()
	right.Y.Min, right.Y.Max = left.Y.Min, left.Y.Max

	height := 1.6*vg.Inch + vg.Length(len(top))*0.3*vg.Inch
	return &Figure{
		File: "importance-" + m.Key + ".png",
		Caption: fmt.Sprintf("%s%s on the %s: the %d features whose shuffling lowers test R² most, with their share of the trees' squared-error reduction.",
			m.Name, seedLabel(m), s.Name, len(top)),
		Panels: [][]*plot.Plot{{left, right}},
		Width:  12 * vg.Inch, Height: height,
	}, nil
}

// shorten cuts s to at most n runes, marking a cut with an ellipsis.
func shorten(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n-1]) + "…"
}
