// Command hrmg trains a Hierarchical Reasoning Model for tabular regression
// and compares it with random forest and gradient boosting baselines.
package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"syscall"

	"github.com/urfave/cli/v2"

	"github.com/hrmg/hrmg/internal/blas"
)

// version is set at link time with -ldflags "-X main.version=...".
var version = "dev"

func main() {
	blas.Init()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args, os.Stdin, os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// run executes the command line args and returns the process exit status.
// It never calls os.Exit, so tests can drive it with their own streams.
func run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	app := newApp(stdin, stdout, stderr)
	if err := app.RunContext(ctx, args); err != nil {
		fmt.Fprintf(stderr, "hrmg: %v\n", err)
		return exitCode(err)
	}
	return exitOK
}

// newApp declares every command. Each command's action fills an options
// struct from its flags and calls a run function that does not use cli.
func newApp(stdin io.Reader, stdout, stderr io.Writer) *cli.App {
	app := &cli.App{
		Name:    "hrmg",
		Usage:   "train a Hierarchical Reasoning Model on a table and compare it with tree ensembles",
		Version: version + " (BLAS: " + blas.Name + ")",
		Reader:  stdin,
		Writer:  stdout,
		// Errors are printed once, by run, as a single line.
		ErrWriter: io.Discard,
		Flags: []cli.Flag{
			&cli.StringFlag{
				Name:  "log-level",
				Value: "info",
				Usage: "minimum level of log lines on stderr: debug, info, warn or error",
			},
		},
		Before: func(c *cli.Context) error {
			var level slog.Level
			if err := level.UnmarshalText([]byte(c.String("log-level"))); err != nil {
				return usageError(fmt.Errorf("invalid --log-level %q: use debug, info, warn or error", c.String("log-level")))
			}
			c.App.Metadata = map[string]any{"logger": newLogger(stderr, level), "stderr": stderr}
			return nil
		},
		OnUsageError: func(c *cli.Context, err error, isSubcommand bool) error {
			return usageError(err)
		},
		Action: func(c *cli.Context) error {
			if c.Args().Present() {
				return usageError(fmt.Errorf("unknown command %q: run 'hrmg --help' for the list", c.Args().First()))
			}
			return cli.ShowAppHelp(c)
		},
		Commands: []*cli.Command{
			describeCommand(),
			exportGraphCommand(),
			trainCommand(),
			evalCommand(),
			predictCommand(),
			baselinesCommand(),
			compareCommand(),
		},
	}
	for _, cmd := range app.Commands {
		cmd.Action = rejectArguments(cmd.Action)
		// Without this, urfave/cli prints the help text on stdout and
		// exits with status 1 on an unknown flag.
		cmd.OnUsageError = commandUsageError
	}
	return app
}

// rejectArguments wraps a command's action so that a word that is not a
// flag is an error. urfave/cli stops reading flags at the first such word,
// so without this check "--drop a b --seed 7" would drop only a, ignore
// the rest and still succeed.
func rejectArguments(action cli.ActionFunc) cli.ActionFunc {
	return func(c *cli.Context) error {
		if c.Args().Present() {
			return usageError(fmt.Errorf("unexpected argument %q: hrmg %s takes only flags, and every flag after it was ignored; give list values with commas (--drop a,b) or repeat the flag",
				c.Args().First(), c.Command.Name))
		}
		return action(c)
	}
}

// newLogger returns a text logger for stderr with the time left out, since
// the lines are read by a person watching the run.
func newLogger(w io.Writer, level slog.Level) *slog.Logger {
	return slog.New(slog.NewTextHandler(w, &slog.HandlerOptions{
		Level: level,
		ReplaceAttr: func(groups []string, a slog.Attr) slog.Attr {
			if a.Key == slog.TimeKey && len(groups) == 0 {
				return slog.Attr{}
			}
			return a
		},
	}))
}

// progressWriter returns the stream for progress bars: the app's stderr.
func progressWriter(c *cli.Context) io.Writer {
	if w, ok := c.App.Metadata["stderr"].(io.Writer); ok {
		return w
	}
	return io.Discard
}

// logger returns the logger set up by the app's Before hook.
func logger(c *cli.Context) *slog.Logger {
	if l, ok := c.App.Metadata["logger"].(*slog.Logger); ok {
		return l
	}
	return slog.New(slog.NewTextHandler(io.Discard, nil))
}
