package main

import (
	"context"
	"errors"
)

// watchCmd is not built yet.
func (m *Main) watchCmd(ctx context.Context, args []string) error {
	return errors.New("not implemented yet")
}
