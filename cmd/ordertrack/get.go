package main

import (
	"context"
	"errors"
)

// getCmd is not built yet.
func (m *Main) getCmd(ctx context.Context, args []string) error {
	return errors.New("not implemented yet")
}
