package main

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/urfave/cli/v2"
)

// runHrmg runs the command line with captured streams.
func runHrmg(t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errOut bytes.Buffer
	code = run(context.Background(), append([]string{"hrmg"}, args...), strings.NewReader(""), &out, &errOut)
	return code, out.String(), errOut.String()
}

func TestEveryFlagHasUsage(t *testing.T) {
	app := newApp(nil, nil, nil)
	check := func(where string, flags []cli.Flag) {
		for _, f := range flags {
			df, ok := f.(cli.DocGenerationFlag)
			if !ok {
				t.Errorf("%s: flag %v has no usage text", where, f.Names())
				continue
			}
			if strings.TrimSpace(df.GetUsage()) == "" {
				t.Errorf("%s: flag --%s has empty usage text", where, f.Names()[0])
			}
		}
	}
	check("hrmg", app.Flags)
	var walk func(prefix string, cmds []*cli.Command)
	walk = func(prefix string, cmds []*cli.Command) {
		for _, c := range cmds {
			name := prefix + " " + c.Name
			if c.Usage == "" {
				t.Errorf("%s: command has no usage line", name)
			}
			check(name, c.Flags)
			walk(name, c.Subcommands)
		}
	}
	walk("hrmg", app.Commands)
}

func TestUnknownCommandIsUsageError(t *testing.T) {
	code, _, stderr := runHrmg(t, "no-such-command")
	if code != exitUsage {
		t.Errorf("exit status = %d, want %d", code, exitUsage)
	}
	if !strings.Contains(stderr, `unknown command "no-such-command"`) {
		t.Errorf("stderr = %q, want it to name the command", stderr)
	}
	if n := strings.Count(strings.TrimSpace(stderr), "\n"); n != 0 {
		t.Errorf("stderr has %d lines, want one", n+1)
	}
}

func TestInvalidLogLevelIsUsageError(t *testing.T) {
	code, _, stderr := runHrmg(t, "--log-level", "loud")
	if code != exitUsage {
		t.Errorf("exit status = %d, want %d", code, exitUsage)
	}
	if !strings.Contains(stderr, `"loud"`) {
		t.Errorf("stderr = %q, want it to name the value", stderr)
	}
}

func TestHelpExitsZero(t *testing.T) {
	code, stdout, _ := runHrmg(t, "--help")
	if code != exitOK {
		t.Errorf("exit status = %d, want 0", code)
	}
	if !strings.Contains(stdout, "hrmg") {
		t.Errorf("help output = %q", stdout)
	}
}

func TestStrayArgumentIsUsageError(t *testing.T) {
	for _, name := range []string{"describe", "train", "eval", "predict", "baselines", "compare", "export-graph"} {
		t.Run(name, func(t *testing.T) {
			code, _, stderr := runHrmg(t, name, "stray")
			if code != exitUsage {
				t.Errorf("exit status = %d, want %d; stderr %q", code, exitUsage, stderr)
			}
			if !strings.Contains(stderr, `unexpected argument "stray"`) {
				t.Errorf("stderr = %q, want it to name the argument", stderr)
			}
		})
	}
}

func TestHelpCommandWorks(t *testing.T) {
	code, stdout, stderr := runHrmg(t, "help", "train")
	if code != exitOK {
		t.Fatalf("exit status = %d, stderr %q", code, stderr)
	}
	if !strings.Contains(stdout, "--epochs") {
		t.Errorf("help train output lacks --epochs:\n%s", stdout)
	}
}

func TestUnknownFlagIsUsageError(t *testing.T) {
	for _, name := range []string{"describe", "train", "eval", "predict", "baselines", "compare", "export-graph"} {
		t.Run(name, func(t *testing.T) {
			code, _, stderr := runHrmg(t, name, "--no-such-flag")
			if code != exitUsage {
				t.Errorf("exit status = %d, want %d; stderr %q", code, exitUsage, stderr)
			}
			if !strings.Contains(stderr, "no-such-flag") {
				t.Errorf("stderr = %q, want it to name the flag", stderr)
			}
		})
	}
}
