package main

import (
	"bytes"
	"encoding/csv"
	"fmt"

	"github.com/hrmg/hrmg/data"
	"github.com/hrmg/hrmg/modelfile"
)

// writeTablesCSV writes the rows of the tables, one after another, as one
// comma-separated file with the first table's header. Numbers are written
// in the shortest form that reads back as the same float32, categories as
// read, and missing cells empty, so reading the file back gives the same
// values. A column that a later table lacks is written empty there. The
// write is atomic.
func writeTablesCSV(path string, tables ...*data.Table) error {
	columns := tables[0].Columns()
	var buf bytes.Buffer
	w := csv.NewWriter(&buf)
	if err := w.Write(columns); err != nil {
		return err
	}
	for _, t := range tables {
		cells := make([][]string, len(columns))
		for j, name := range columns {
			if !t.Has(name) {
				continue
			}
			values, err := t.Strings(name)
			if err != nil {
				return err
			}
			cells[j] = values
		}
		record := make([]string, len(columns))
		for i := range t.Len() {
			for j := range columns {
				record[j] = ""
				if cells[j] != nil {
					record[j] = cells[j][i]
				}
			}
			if err := w.Write(record); err != nil {
				return err
			}
		}
	}
	w.Flush()
	if err := w.Error(); err != nil {
		return err
	}
	if err := modelfile.WriteFileAtomic(path, buf.Bytes(), 0o644); err != nil {
		return fmt.Errorf("write rows: %w", err)
	}
	return nil
}

// readBackOptions returns the options that read a file written by
// writeTablesCSV with the same column kinds as t: only empty cells are
// missing, and t's categorical columns stay categorical even where their
// values look like numbers.
func readBackOptions(t *data.Table) data.ReadOptions {
	opts := data.ReadOptions{Delimiter: ',', Decimal: '.', Missing: []string{""}}
	for _, name := range t.Columns() {
		if t.Kind(name) == data.Categorical {
			opts.Categorical = append(opts.Categorical, name)
		}
	}
	return opts
}
