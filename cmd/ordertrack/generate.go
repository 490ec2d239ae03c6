package main

import (
	"context"
	"errors"
)

// generateCmd is not built yet.
func (m *Main) generateCmd(ctx context.Context, args []string) error {
	return errors.New("not implemented yet")
}
