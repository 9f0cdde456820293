package main

import (
	"fmt"
	"log/slog"
)

// cronLogger lets robfig/cron log through slog. Its Info lines (including
// "skip", when a pass overruns a tick) go at Info level, not dropped.
type cronLogger struct{ log *slog.Logger }

func (l cronLogger) Info(msg string, kv ...any) {
	if msg == "wake" || msg == "run" || msg == "schedule" || msg == "start" || msg == "added" {
		return // every tick: too chatty for an operator's log
	}
	l.log.Info("cron: "+msg, kv...)
}

func (l cronLogger) Error(err error, msg string, kv ...any) {
	l.log.Error("cron: "+msg, append(kv, "err", fmt.Sprint(err))...)
}
