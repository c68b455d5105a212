package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"os/exec"
	"path/filepath"
	"strings"

	"github.com/urfave/cli/v2"

	"github.com/hrmg/hrmg/model"
	"github.com/hrmg/hrmg/modelfile"
)

// exportGraphOptions holds the settings of hrmg export-graph.
type exportGraphOptions struct {
	// ModelPath is the model file to draw; empty draws a new model built
	// from Config and Features.
	ModelPath string
	Config    model.Config
	// Features is the number of input features of a new model.
	Features int
	// Out is the output path; "-" writes to stdout.
	Out string
	// Format is "dot", "svg" or "png".
	Format string
	// WithGradients draws the training graph instead of the forward graph.
	WithGradients bool
}

// architectureFlags set the model to draw when there is no --model.
var architectureFlags = []string{"hidden", "cycles", "steps", "max-cycles", "input", "halting", "features"}

func exportGraphCommand() *cli.Command {
	def := model.DefaultConfig()
	return &cli.Command{
		Name:  "export-graph",
		Usage: "write the HRM's computation graph as Graphviz DOT, SVG or PNG",
		Description: "Draws the forward graph of a saved model (--model) or of a new model set by the\n" +
			"architecture flags, clustered by module. SVG and PNG need Graphviz's dot command.",
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "model", Usage: "HRM model `FILE` to draw; the architecture flags are then not allowed"},
			&cli.IntFlag{Name: "hidden", Value: def.Hidden, Usage: "hidden `UNITS` H of a new model"},
			&cli.IntFlag{Name: "cycles", Value: def.Cycles, Usage: "high-level `CYCLES` N of a new model with --halting none"},
			&cli.IntFlag{Name: "steps", Value: def.Steps, Usage: "low-level `STEPS` T per cycle of a new model"},
			&cli.IntFlag{Name: "max-cycles", Value: def.MaxCycles, Usage: "`CYCLES` K unrolled by a new model with --halting act or ponder"},
			&cli.StringFlag{Name: "input", Value: def.Input, Usage: "input `ENCODER` of a new model: linear or plr"},
			&cli.StringFlag{Name: "halting", Value: def.Halting, Usage: "`HALTING` of a new model: none, act or ponder"},
			&cli.IntFlag{Name: "features", Value: 14, Usage: "number of input `FEATURES` of a new model, named f1, f2, …"},
			&cli.StringFlag{Name: "out", Value: "-", Usage: "output `FILE`; - writes to stdout"},
			&cli.StringFlag{Name: "format", Usage: "output `FORMAT`: dot, svg or png (default: from the --out extension, else dot)"},
			&cli.BoolFlag{Name: "with-gradients", Usage: "draw the training graph with its loss and gradient nodes (large: slow to render)"},
		},
		Action: func(c *cli.Context) error {
			opts := exportGraphOptions{
				ModelPath:     c.String("model"),
				Config:        def,
				Features:      c.Int("features"),
				Out:           c.String("out"),
				Format:        c.String("format"),
				WithGradients: c.Bool("with-gradients"),
			}
			if opts.ModelPath != "" {
				for _, name := range architectureFlags {
					if c.IsSet(name) {
						return usageError(fmt.Errorf("--model and --%s both set: the model file fixes the architecture", name))
					}
				}
			}
			opts.Config.Hidden = c.Int("hidden")
			opts.Config.Cycles = c.Int("cycles")
			opts.Config.Steps = c.Int("steps")
			opts.Config.MaxCycles = c.Int("max-cycles")
			opts.Config.Input = c.String("input")
			opts.Config.Halting = c.String("halting")
			return runExportGraph(c.Context, opts, c.App.Writer, logger(c))
		},
	}
}

// runExportGraph writes the graph described by opts to opts.Out, or to
// stdout when opts.Out is "-".
func runExportGraph(ctx context.Context, opts exportGraphOptions, stdout io.Writer, log *slog.Logger) error {
	format, err := exportFormat(opts.Format, opts.Out)
	if err != nil {
		return usageError(err)
	}
	m, featureNames, err := exportModel(opts)
	if err != nil {
		return err
	}

	var dot bytes.Buffer
	if err := m.WriteDOT(&dot, model.ExportOptions{WithGradients: opts.WithGradients, FeatureNames: featureNames}); err != nil {
		return fmt.Errorf("export graph: %w", err)
	}
	out := dot.Bytes()
	if format != "dot" {
		if out, err = renderDOT(ctx, out, format, log); err != nil {
			return err
		}
	}

	if opts.Out == "-" {
		if _, err := stdout.Write(out); err != nil {
			return fmt.Errorf("export graph: write stdout: %w", err)
		}
		return nil
	}
	if err := modelfile.WriteFileAtomic(opts.Out, out, 0o644); err != nil {
		return fmt.Errorf("export graph: %w", err)
	}
	log.Info("wrote graph", "file", opts.Out, "format", format, "bytes", len(out))
	return nil
}

// exportFormat returns the output format: format itself when set, else the
// extension of out, else dot.
func exportFormat(format, out string) (string, error) {
	if format == "" {
		switch ext := strings.ToLower(filepath.Ext(out)); ext {
		case ".svg", ".png":
			return ext[1:], nil
		default:
			return "dot", nil
		}
	}
	switch format {
	case "dot", "svg", "png":
		return format, nil
	}
	return "", fmt.Errorf("invalid --format %q: use dot, svg or png", format)
}

// exportModel returns the model to draw and the feature names for the input
// node's label: from the model file's preprocessing when it lists one name
// per model input, else the model's own.
func exportModel(opts exportGraphOptions) (*model.HRM, []string, error) {
	if opts.ModelPath == "" {
		if opts.Features < 1 {
			return nil, nil, usageError(fmt.Errorf("invalid --features %d: must be at least 1", opts.Features))
		}
		if err := opts.Config.Validate(); err != nil {
			return nil, nil, usageError(err)
		}
		names := make([]string, opts.Features)
		for i := range names {
			names[i] = fmt.Sprintf("f%d", i+1)
		}
		m, err := model.New(opts.Config, names, 0)
		if err != nil {
			return nil, nil, usageError(err)
		}
		return m, nil, nil
	}

	m, prep, _, err := model.Load(opts.ModelPath)
	if err != nil {
		return nil, nil, dataError(err)
	}
	return m, preprocessorFeatures(prep), nil
}

// preprocessorFeatures returns the "features" list of the data package's
// marshalled Preprocessor, or nil when it has none.
func preprocessorFeatures(prep json.RawMessage) []string {
	if len(prep) == 0 {
		return nil
	}
	var p struct {
		Features []string `json:"features"`
	}
	if err := json.Unmarshal(prep, &p); err != nil {
		return nil
	}
	return p.Features
}

// graphvizHint is the advice printed when Graphviz's dot is missing.
const graphvizHint = "install Graphviz (Debian/Ubuntu: apt-get install graphviz; macOS: brew install graphviz; " +
	"others: https://graphviz.org/download/) or use --format dot"

// renderDOT runs Graphviz's dot to turn src into format. dot's warnings
// are logged.
func renderDOT(ctx context.Context, src []byte, format string, log *slog.Logger) ([]byte, error) {
	path, err := exec.LookPath("dot")
	if err != nil {
		return nil, fmt.Errorf("export graph: --format %s needs Graphviz's dot command, which is not in PATH: %s", format, graphvizHint)
	}
	cmd := exec.CommandContext(ctx, path, "-T"+format)
	cmd.Stdin = bytes.NewReader(src)
	var out, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &stderr
	if err := cmd.Run(); err != nil {
		if ctxErr := ctx.Err(); ctxErr != nil {
			return nil, fmt.Errorf("export graph: dot: %w", ctxErr)
		}
		msg := firstLine(strings.TrimSpace(stderr.String()))
		if msg == "" {
			msg = err.Error()
		}
		return nil, fmt.Errorf("export graph: dot -T%s failed: %s", format, msg)
	}
	for _, line := range strings.Split(strings.TrimSpace(stderr.String()), "\n") {
		if line != "" {
			log.Warn("dot", "message", line)
		}
	}
	return out.Bytes(), nil
}

// firstLine returns s up to its first line break.
func firstLine(s string) string {
	line, _, _ := strings.Cut(s, "\n")
	return line
}
