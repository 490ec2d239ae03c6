package main

import (
	"context"
	"fmt"
	"os"

	"github.com/spf13/cobra"

	"github.com/ordertrack/ordertrack/pipeline/broker"
	"github.com/ordertrack/ordertrack/pipeline/contract"
	"github.com/ordertrack/ordertrack/pipeline/ingest"
)

func (m *Main) publishCommand() *cobra.Command {
	var file string
	var load configLoader
	cmd := command("publish [--file FILE] [flags] < events.jsonl", "publish order events (JSON lines) from stdin or a file",
		func(cmd *cobra.Command, _ []string) error { return m.publishCmd(cmd.Context(), load, &file) })
	cmd.Flags().StringVar(&file, "file", "", "read JSON lines from FILE instead of stdin")
	load = m.configFlags(cmd)
	return cmd
}

func (m *Main) publishCmd(ctx context.Context, load configLoader, file *string) error {
	cfg, err := load()
	if err != nil {
		return err
	}
	in := m.Stdin
	if *file != "" {
		f, err := os.Open(*file)
		if err != nil {
			return err
		}
		defer f.Close()
		in = f
	}
	c, err := broker.Dial(cfg.NATS, "ordertrack publish", false, m.logger(cfg))
	if err != nil {
		return err
	}
	defer c.Close()
	topo := contract.TopologyOf(cfg)
	n, bad, err := ingest.PublishLines(ctx, in, func(ctx context.Context, id, eventID string, line []byte) error {
		_, err := c.JS.PublishMsg(ctx, ingest.EventMsg(topo.EventSubject(id), line, eventID, true))
		return err
	}, m.Stderr)
	fmt.Fprintf(m.Stdout, "published %d events\n", n)
	if err != nil {
		return err
	}
	if bad > 0 {
		return fmt.Errorf("%d lines not published (see above)", bad)
	}
	return nil
}
