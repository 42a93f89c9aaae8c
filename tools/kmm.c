/* SPDX-License-Identifier: MIT */
/*
 * kmm: the command-line tool of the kmm project.
 *
 * One binary, git-style subcommands. This file only dispatches and prints
 * the overview; each subcommand lives in its own cmd_*.c and prints its own
 * help for `kmm <cmd> --help` (or `kmm help <cmd>`). docs/cli.md is the
 * manual.
 */
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "kmm.h"

struct command {
	const char *name;
	int (*run)(int argc, char **argv);
	const char *summary;
};

static const struct command commands[] = {
	{ "fuzz", cmd_fuzz, "run the fuzz targets with libFuzzer and/or AFL++, triage crashes" },
	{ "replay", cmd_replay, "replay inputs or traces through the differential executor" },
	{ "decode", cmd_decode, "turn binary inputs into readable .trace text" },
	{ "encode", cmd_encode, "turn a .trace into the binary form fuzzers use" },
	{ "stats", cmd_stats, "run a program and print the /proc views before teardown" },
	{ "corpus", cmd_corpus, "corpus build: encode corpus/seeds into corpus/<target>/" },
	{ "regress", cmd_regress, "regress add: turn a crash into tests/regressions/<name>.trace" },
};
#define NR_COMMANDS (sizeof(commands) / sizeof(commands[0]))

static void usage(FILE *f)
{
	fprintf(f,
		"usage: kmm <command> [options] [args]\n"
		"\n"
		"kmm %d.%d - differential fuzzing of the kmm kernel memory manager\n"
		"\n"
		"commands:\n",
		KMM_VERSION_MAJOR, KMM_VERSION_MINOR);
	for (size_t i = 0; i < NR_COMMANDS; i++)
		fprintf(f, "  %-9s %s\n", commands[i].name, commands[i].summary);
	fprintf(f,
		"  %-9s %s\n"
		"  %-9s %s\n"
		"\n"
		"'kmm <command> --help' tells more. Exit status: 0 success, 1 a bug was\n"
		"found (mismatch, crash), 2 usage error or unreadable input.\n",
		"help", "this text, or 'kmm help <command>'", "version", "print the version");
}

static const struct command *find(const char *name)
{
	for (size_t i = 0; i < NR_COMMANDS; i++)
		if (!strcmp(commands[i].name, name))
			return &commands[i];
	return NULL;
}

int main(int argc, char **argv)
{
	const struct command *c;

	/* Output to a closed pipe (kmm decode | head) ends quietly. */
	signal(SIGPIPE, SIG_IGN);
	if (argc < 2) {
		usage(stderr);
		return KMM_EXIT_USAGE;
	}
	if (!strcmp(argv[1], "help") || is_help(argv[1])) {
		char help[] = "--help";
		char *help_argv[] = { NULL, help, NULL };

		if (argc < 3 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
			usage(stdout);
			return KMM_EXIT_OK;
		}
		c = find(argv[2]);
		if (!c)
			return kmm_usage_err(NULL, "no command '%s'", argv[2]);
		help_argv[0] = argv[2];
		return c->run(2, help_argv);
	}
	if (!strcmp(argv[1], "version") || !strcmp(argv[1], "--version")) {
		printf("kmm %d.%d\n", KMM_VERSION_MAJOR, KMM_VERSION_MINOR);
		return KMM_EXIT_OK;
	}
	c = find(argv[1]);
	if (!c)
		return kmm_usage_err(NULL, "unknown command '%s'", argv[1]);
	return c->run(argc - 1, argv + 1);
}
