package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/hrmg/hrmg/baselines"
	"github.com/hrmg/hrmg/data"
	"github.com/hrmg/hrmg/internal/blas"
	"github.com/hrmg/hrmg/model"
	"github.com/hrmg/hrmg/modelfile"
	"github.com/hrmg/hrmg/report"
	"github.com/hrmg/hrmg/train"
)

// maxSeeds bounds --seeds: each seed fits every model once more.
const maxSeeds = 100

// compareOptions holds what hrmg compare does.
type compareOptions struct {
	Load data.LoadOptions
	// Prep is the HRM's preprocessing; the trees get the same columns
	// unscaled.
	Prep   data.PrepOptions
	Model  model.Config
	Train  train.Config
	Forest baselines.ForestConfig
	GBM    baselines.GBMConfig
	// OutDir receives the report, the plots, the model files and each
	// split's test rows; it is created if missing.
	OutDir string
	// ModelFile is a saved HRM to score instead of training one; empty
	// trains one per seed.
	ModelFile string
	// Seeds is the number of seeds every model is fitted with: the split's
	// seed and the ones after it.
	Seeds int
	// BlockKm is the grid cell edge of the spatial split in km; 0 derives
	// it from the rows.
	BlockKm float64
	// NoSpatial leaves out the spatial repeat.
	NoSpatial bool
	// Unit is the target's unit for the report's labels.
	Unit string
	// JSON writes report.json to stdout instead of the tables.
	JSON bool
	// Aligned pads the tables into columns for a person at a terminal;
	// otherwise fields are separated by tabs.
	Aligned bool
	// Progress draws progress bars on stderr while the HRM trains;
	// otherwise each epoch is one log line.
	Progress bool
	// Command is the command line, for the report.
	Command string
}

func compareCommand() *cli.Command {
	// Three data flags also serve the spatial repeat and the maps here.
	spatialFlags := map[string]cli.Flag{
		"block-km": &cli.Float64Flag{Name: "block-km", Usage: "edge of the grid cells of a spatial split, in `KM`: required with --split spatial; for the spatial repeat, 0 derives it from the rows as the largest of 1, 2 or 5 × 10^k km, up to a tenth of their extent, that leaves each held-out part at least 30 cells and within 25% of its share of the rows"},
		"lat":      &cli.StringFlag{Name: "lat", Usage: "latitude `COLUMN` in decimal degrees for spatial splits and maps (default: detected from names such as lat or latitude)"},
		"lon":      &cli.StringFlag{Name: "lon", Usage: "longitude `COLUMN` in decimal degrees for spatial splits and maps (default: detected from names such as lon, lng or longitude)"},
	}
	var flags []cli.Flag
	for _, f := range dataFlags() {
		if replaced, ok := spatialFlags[f.Names()[0]]; ok {
			f = replaced
		}
		flags = append(flags, f)
	}
	flags = append(flags, hrmFlags()...)
	flags = append(flags, runFlags()...)
	flags = append(flags, treeFlags()...)
	flags = append(flags,
		&cli.StringFlag{Name: "out-dir", Value: "compare", Usage: "`DIR` that receives report.md, report.json, the plots, every model file and each split's test rows (created if missing)"},
		&cli.StringFlag{Name: "model", Usage: "saved HRM `FILE` to score instead of training one; it must use the same columns and target"},
		&cli.IntFlag{Name: "seeds", Value: 1, Usage: "fit every model with `K` seeds (--seed, --seed+1, ...) for its weights, bootstrap samples and row order, and report mean ± standard deviation; the split stays that of --seed"},
		&cli.BoolFlag{Name: "no-spatial", Usage: "leave out the spatial repeat of the comparison on data with coordinates"},
		&cli.StringFlag{Name: "target-unit", Usage: "`UNIT` of the target for the report and plot labels, such as USD (default: 'target units')"},
		&cli.BoolFlag{Name: "json", Usage: "write report.json to stdout instead of the tables"},
	)
	return &cli.Command{
		Name:  "compare",
		Usage: "train the HRM, a random forest and gradient boosting on the same split and write a report with plots",
		Description: "Fits every model on the same training rows and scores it on the same test rows: the HRM with\n" +
			"scaled features, the trees with the same columns unscaled. When the rows have coordinates, the\n" +
			"rows of all three parts are pooled and the comparison is repeated on a spatial split into whole\n" +
			"grid cells, because a random split of spatial data rewards memorising neighbours. Prints one\n" +
			"table per split and writes --out-dir/report.md with plots, report.json, every model file and\n" +
			"each split's test rows, so that hrmg eval reproduces every number.\n\n" +
			"Example:\n" +
			"  hrmg compare --data datasets/california-housing/train.csv \\\n" +
			"    --valid datasets/california-housing/valid.csv --test datasets/california-housing/test.csv \\\n" +
			"    --target median_house_value --target-unit USD --out-dir out/compare",
		Flags:        flags,
		OnUsageError: commandUsageError,
		Action: func(c *cli.Context) error {
			if c.String("target") == "" || c.String("data") == "" {
				return usageError(errors.New("missing --data or --target: name the training table and the column to predict"))
			}
			opts, err := compareOptionsFrom(c)
			if err != nil {
				return err
			}
			if err := applyThreads(c.Int("threads")); err != nil {
				return err
			}
			return runCompare(c.Context, opts, c.App.Writer, progressWriter(c), logger(c))
		},
	}
}

// compareOptionsFrom fills the options from the command's flags.
func compareOptionsFrom(c *cli.Context) (compareOptions, error) {
	load, err := loadOptions(c)
	if err != nil {
		return compareOptions{}, err
	}
	m, t, prep, err := hrmSettings(c)
	if err != nil {
		return compareOptions{}, err
	}
	forest, gbm, err := treeConfigs(c, c.Uint64("seed"), c.Int("threads"))
	if err != nil {
		return compareOptions{}, err
	}
	return compareOptions{
		Load: load, Prep: prep, Model: m, Train: t, Forest: forest, GBM: gbm,
		OutDir:    c.String("out-dir"),
		ModelFile: c.String("model"),
		Seeds:     c.Int("seeds"),
		BlockKm:   c.Float64("block-km"),
		NoSpatial: c.Bool("no-spatial"),
		Unit:      c.String("target-unit"),
		JSON:      c.Bool("json"),
		Aligned:   isTerminal(c.App.Writer),
		Progress:  isTerminal(progressWriter(c)),
		Command:   commandLine(c),
	}, nil
}

// commandLine rebuilds the command line from the flags that were set, in
// the command's flag order, quoted for a POSIX shell.
func commandLine(c *cli.Context) string {
	args := []string{"hrmg", c.Command.Name}
	for _, f := range c.Command.Flags {
		name := f.Names()[0]
		if !c.IsSet(name) {
			continue
		}
		switch f.(type) {
		case *cli.StringSliceFlag:
			for _, v := range c.StringSlice(name) {
				args = append(args, "--"+name, v)
			}
		case *cli.BoolFlag:
			if c.Bool(name) {
				args = append(args, "--"+name)
			} else {
				args = append(args, "--"+name+"=false")
			}
		default:
			args = append(args, "--"+name, fmt.Sprint(c.Value(name)))
		}
	}
	return report.ShellJoin(args)
}

// validate checks the options that do not depend on the data.
func (o compareOptions) validate() error {
	switch {
	case o.Load.Train == "":
		return usageError(errors.New("missing --data FILE: the training table"))
	case o.Load.Select.Target == "":
		return usageError(errors.New("missing --target COLUMN: the numeric column to predict"))
	case o.OutDir == "":
		return usageError(errors.New("empty --out-dir: name the directory for the report"))
	case o.Seeds < 1 || o.Seeds > maxSeeds:
		return usageError(fmt.Errorf("invalid --seeds %d: must be between 1 and %d", o.Seeds, maxSeeds))
	case o.BlockKm < 0 || math.IsNaN(o.BlockKm) || math.IsInf(o.BlockKm, 0):
		return usageError(fmt.Errorf("invalid --block-km %v: must be a positive number of km, or 0 to derive it", o.BlockKm))
	}
	if err := o.Forest.Validate(); err != nil {
		return flagError(err)
	}
	if err := o.GBM.Validate(); err != nil {
		return flagError(err)
	}
	return nil
}

// runCompare loads the data, fits and scores every model on each split,
// writes the report to opts.OutDir and prints the tables (or the JSON) to
// stdout.
func runCompare(ctx context.Context, opts compareOptions, stdout, progress io.Writer, log *slog.Logger) error {
	if err := opts.validate(); err != nil {
		return err
	}
	// The HRM's and the trees' preprocessing read the same rows, so they
	// would report each data finding twice.
	log = slog.New(newOnceHandler(log.Handler()))
	c := &comparer{opts: opts, log: log, progress: progress}
	for k := range opts.Seeds {
		c.seeds = append(c.seeds, opts.Load.Split.Seed+uint64(k))
	}
	if opts.ModelFile != "" {
		lm, err := openModel(opts.ModelFile)
		if err != nil {
			return err
		}
		if lm.Kind != modelfile.KindHRM {
			return usageError(fmt.Errorf("--model %s contains a %s model: pass an HRM file written by hrmg train or compare", opts.ModelFile, lm.Kind))
		}
		c.loaded = lm
	}
	created := time.Now()

	// Load and split everything before the first fit, so that a data
	// problem in the spatial split shows before minutes of training.
	splits, err := data.Load(ctx, opts.Load)
	if err != nil {
		return loadError(err)
	}
	logWarnings(log, splits.Warnings)
	if err := os.MkdirAll(opts.OutDir, 0o755); err != nil {
		return fmt.Errorf("create --out-dir: %w", err)
	}
	plans, notes, err := c.plan(ctx, splits)
	if err != nil {
		return err
	}
	for _, n := range notes {
		log.Info(n)
	}

	r := &report.Report{
		Created: created,
		Machine: machineDescription(),
		Command: opts.Command,
		Data:    describeInputs(opts.Load, splits),
		Target:  opts.Load.Select.Target,
		Unit:    opts.Unit,
		Seeds:   c.seeds,
		Notes:   notes,
	}
	for _, p := range plans {
		s, err := c.compareSplit(ctx, p)
		if err != nil {
			return err
		}
		r.Splits = append(r.Splits, s)
	}
	if _, err := report.Write(ctx, opts.OutDir, r); err != nil {
		return err
	}
	log.Info("wrote report", "file", filepath.Join(opts.OutDir, report.MarkdownFile), "json", filepath.Join(opts.OutDir, report.JSONFile))

	if opts.JSON {
		b, err := os.ReadFile(filepath.Join(opts.OutDir, report.JSONFile))
		if err != nil {
			return err
		}
		_, err = stdout.Write(b)
		return err
	}
	return printCompare(stdout, r, opts.Aligned)
}

// printCompare writes each split's table, then the notes.
func printCompare(w io.Writer, r *report.Report, aligned bool) error {
	for i, s := range r.Splits {
		if i > 0 {
			fmt.Fprintln(w)
		}
		if err := report.WriteTable(w, s, aligned); err != nil {
			return err
		}
		for _, n := range s.Notes {
			fmt.Fprintf(w, "note: %s\n", n)
		}
	}
	for _, n := range r.Notes {
		if _, err := fmt.Fprintf(w, "\nnote: %s\n", n); err != nil {
			return err
		}
	}
	return nil
}

// plan names the main split and adds the spatial repeat when the rows
// have coordinates. It returns notes on what was left out and why.
func (c *comparer) plan(ctx context.Context, splits *data.Splits) ([]splitPlan, []string, error) {
	opts := c.opts
	lat, lon, noCoordinates := coordinateColumns(splits.Train, opts.Load.Split.Lat, opts.Load.Split.Lon)
	main := splitPlan{splits: splits, lat: lat, lon: lon, scoreLoaded: c.loaded != nil}
	trainFile, validFile, testFile := filepath.Base(opts.Load.Train), filepath.Base(opts.Load.Valid), filepath.Base(opts.Load.Test)
	spatialMain := strings.HasPrefix(splits.Method, data.SplitSpatial)
	switch {
	case splits.Method == "files":
		main.id, main.name = "files", "file split"
		main.description = fmt.Sprintf("Training rows from %s, validation rows from %s and test rows from %s.", trainFile, validFile, testFile)
	case spatialMain:
		main.id, main.name = "spatial", fmt.Sprintf("spatial split (%g km blocks)", opts.Load.Split.BlockKm)
		main.description = fmt.Sprintf("Rows of %s divided into whole grid cells of %g km (seed %d; cells: %d training, %d validation, %d test).",
			trainFile, opts.Load.Split.BlockKm, opts.Load.Split.Seed, splits.Blocks[0], splits.Blocks[1], splits.Blocks[2])
	default:
		main.id, main.name = "random", "random split"
		main.description = fmt.Sprintf("Rows of %s held out at random (seed %d).", trainFile, opts.Load.Split.Seed)
	}
	if opts.Load.Valid != "" && splits.Method != "files" {
		main.description += fmt.Sprintf(" Validation rows from %s.", validFile)
	}
	if opts.Load.Test != "" && splits.Method != "files" {
		main.description += fmt.Sprintf(" Test rows from %s.", testFile)
	}
	plans := []splitPlan{main}

	switch {
	case opts.NoSpatial:
		return plans, []string{"The spatial split was left out (--no-spatial)."}, nil
	case spatialMain:
		return plans, nil, nil
	case noCoordinates != "":
		return plans, []string{"The spatial split was skipped: " + noCoordinates + "."}, nil
	}
	if bad := badCoordinate(lat, lon, splits.Train, splits.Valid, splits.Test); bad != "" {
		if opts.BlockKm > 0 {
			return nil, nil, dataError(fmt.Errorf("spatial split with --block-km %g: %s; it needs coordinates in decimal degrees on every row", opts.BlockKm, bad))
		}
		return plans, []string{"The spatial split was skipped: " + bad + ", and it needs coordinates in decimal degrees on every row."}, nil
	}

	dir := filepath.Join(opts.OutDir, "spatial")
	sp, err := loadSpatial(ctx, splits, opts.Load, lat, lon, opts.BlockKm, dir, c.log)
	if err != nil {
		return nil, nil, err
	}
	if sp == nil {
		return plans, []string{fmt.Sprintf("The spatial split was skipped: no block edge from %g km down gives each held-out part %d grid cells within %.0f%% of its share of the rows; set --block-km to split anyway.",
			minDerivedBlockKm, minBlocksPerPart, maxShareError*100)}, nil
	}
	blockSource := "set with --block-km"
	if sp.derived {
		blockSource = fmt.Sprintf("derived from the rows: the largest edge of 1, 2 or 5 × 10^k km, up to a tenth of the rows' extent, that leaves each held-out part at least %d cells and within %.0f%% of its share of the rows", minBlocksPerPart, maxShareError*100)
	}
	spatial := splitPlan{
		id: "spatial", name: fmt.Sprintf("spatial split (%g km blocks)", sp.blockKm),
		splits: sp.splits, lat: lat, lon: lon,
		description: fmt.Sprintf("The %d rows of the %s pooled (in spatial/%s) and divided into whole grid cells of %g km (%s), so that no test row shares a cell with a training row; cells: %d training, %d validation, %d test.",
			sp.rows, main.name, pooledFile, sp.blockKm, blockSource, sp.splits.Blocks[0], sp.splits.Blocks[1], sp.splits.Blocks[2]),
	}
	c.log.Info("spatial split", "block_km", sp.blockKm, "derived", sp.derived,
		"rows", fmt.Sprintf("%d/%d/%d", sp.splits.Train.Len(), sp.splits.Valid.Len(), sp.splits.Test.Len()),
		"cells", fmt.Sprintf("%d/%d/%d", sp.splits.Blocks[0], sp.splits.Blocks[1], sp.splits.Blocks[2]))
	return append(plans, spatial), nil, nil
}

// onceHandler passes each distinct warning once: a warning whose message
// and attributes equal those of an earlier one is dropped. Records below
// warning level all pass.
type onceHandler struct {
	slog.Handler
	mu   *sync.Mutex
	seen map[string]bool
	// prefix holds the attributes and groups added with WithAttrs and
	// WithGroup, which are part of a record's identity.
	prefix string
}

func newOnceHandler(h slog.Handler) *onceHandler {
	return &onceHandler{Handler: h, mu: new(sync.Mutex), seen: map[string]bool{}}
}

func (h *onceHandler) Handle(ctx context.Context, r slog.Record) error {
	if r.Level >= slog.LevelWarn {
		var key strings.Builder
		key.WriteString(h.prefix)
		key.WriteString(r.Message)
		r.Attrs(func(a slog.Attr) bool {
			key.WriteString("\x00" + a.String())
			return true
		})
		h.mu.Lock()
		dup := h.seen[key.String()]
		h.seen[key.String()] = true
		h.mu.Unlock()
		if dup {
			return nil
		}
	}
	return h.Handler.Handle(ctx, r)
}

func (h *onceHandler) WithAttrs(attrs []slog.Attr) slog.Handler {
	prefix := h.prefix
	for _, a := range attrs {
		prefix += a.String() + "\x00"
	}
	return &onceHandler{Handler: h.Handler.WithAttrs(attrs), mu: h.mu, seen: h.seen, prefix: prefix}
}

func (h *onceHandler) WithGroup(name string) slog.Handler {
	return &onceHandler{Handler: h.Handler.WithGroup(name), mu: h.mu, seen: h.seen, prefix: h.prefix + "group " + name + "\x00"}
}

// describeInputs names the input files for the report.
func describeInputs(load data.LoadOptions, s *data.Splits) string {
	parts := []string{load.Train}
	if load.Valid != "" {
		parts = append(parts, load.Valid)
	}
	if load.Test != "" {
		parts = append(parts, load.Test)
	}
	return fmt.Sprintf("%s; %d features selected (%s)", strings.Join(parts, ", "), len(s.Features), summarizeNames(s.Features, 12))
}

// summarizeNames lists up to limit names, then how many more there are.
func summarizeNames(names []string, limit int) string {
	if len(names) <= limit {
		return strings.Join(names, ", ")
	}
	return fmt.Sprintf("%s and %d more", strings.Join(names[:limit], ", "), len(names)-limit)
}

// machineDescription names the processor, the cores, the Go version and
// the BLAS implementation, for the report.
func machineDescription() string {
	return fmt.Sprintf("%s, %d cores (%d used), %s/%s, %s, BLAS: %s",
		cpuModel(), runtime.NumCPU(), runtime.GOMAXPROCS(0), runtime.GOOS, runtime.GOARCH, runtime.Version(), blas.Name)
}

// cpuModel returns the processor's name from /proc/cpuinfo, or "unknown
// processor" where that file does not exist or has no name.
func cpuModel() string {
	f, err := os.Open("/proc/cpuinfo")
	if err != nil {
		return "unknown processor"
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		key, value, ok := strings.Cut(sc.Text(), ":")
		if ok && strings.TrimSpace(key) == "model name" {
			return strings.TrimSpace(value)
		}
	}
	return "unknown processor"
}
