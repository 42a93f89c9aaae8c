/* SPDX-License-Identifier: MIT */
/*
 * Child processes of the kmm tool.
 *
 * Two uses:
 *  - engines and fuzz binaries (afl-fuzz, libFuzzer targets, afl-tmin) run
 *    with fork/exec, their stdout and stderr merged on one pipe that the
 *    parent reads, each in its own process group so a stop reaches the
 *    engine and every process it started;
 *  - replays of a program in a forked child, so that an input that makes the
 *    allocator crash or hang is reported ("CRASH signal 11") instead of
 *    taking the tool down. The child sends its struct kmm_exec_result back
 *    over a pipe.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#ifdef __linux__
#include <sys/prctl.h>
#endif

#include "kmm.h"

const char *signal_name(int sig)
{
	switch (sig) {
	case SIGSEGV: return "SIGSEGV";
	case SIGABRT: return "SIGABRT";
	case SIGBUS: return "SIGBUS";
	case SIGILL: return "SIGILL";
	case SIGFPE: return "SIGFPE";
	case SIGKILL: return "SIGKILL";
	case SIGTERM: return "SIGTERM";
	case SIGINT: return "SIGINT";
	case SIGALRM: return "SIGALRM";
	case SIGTRAP: return "SIGTRAP";
	default: return "signal";
	}
}

/* In the child after fork: never returns. */
static void exec_child(const struct proc_spec *spec, int out_fd)
{
	int in;

	if (spec->own_pgrp)
		setpgid(0, 0);
#ifdef __linux__
	/* An engine must not outlive the tool (kill -9 of kmm). */
	prctl(PR_SET_PDEATHSIG, SIGKILL);
#endif
	signal(SIGINT, SIG_DFL);
	signal(SIGTERM, SIG_DFL);
	signal(SIGPIPE, SIG_DFL);
	in = open(spec->stdin_path ? spec->stdin_path : "/dev/null", O_RDONLY);
	if (in >= 0) {
		dup2(in, 0);
		if (in != 0)
			close(in);
	}
	if (out_fd >= 0) {
		dup2(out_fd, 1);
		dup2(out_fd, 2);
		if (out_fd > 2)
			close(out_fd);
	}
	if (spec->cwd && chdir(spec->cwd) < 0) {
		dprintf(2, "kmm: cannot enter %s: %s\n", spec->cwd, strerror(errno));
		_exit(127);
	}
	for (const char *const *e = spec->env_add; e && *e; e++)
		putenv(xstrdup(*e)); /* putenv keeps the string: a copy we never free */
	execvp(spec->argv[0], (char *const *)spec->argv);
	dprintf(2, "kmm: cannot run %s: %s\n", spec->argv[0], strerror(errno));
	_exit(127);
}

int proc_spawn(const char *cmd, const struct proc_spec *spec, pid_t *pid, int *out_fd)
{
	int p[2];
	pid_t c;

	if (pipe2(p, O_CLOEXEC) < 0) {
		kmm_err(cmd, "cannot create a pipe: %s", strerror(errno));
		return -1;
	}
	fflush(stdout);
	fflush(stderr);
	c = fork();
	if (c < 0) {
		kmm_err(cmd, "cannot start %s: %s", spec->argv[0], strerror(errno));
		close(p[0]);
		close(p[1]);
		return -1;
	}
	if (c == 0) {
		close(p[0]);
		exec_child(spec, p[1]);
	}
	if (spec->own_pgrp)
		setpgid(c, c); /* both sides set it: no race with an early kill */
	close(p[1]);
	fcntl(p[0], F_SETFL, fcntl(p[0], F_GETFL) | O_NONBLOCK);
	*pid = c;
	*out_fd = p[0];
	return 0;
}

void proc_stop_group(pid_t pgid, double grace)
{
	double end;

	if (pgid <= 0)
		return;
	kill(-pgid, SIGINT);
	end = now_seconds() + grace;
	while (now_seconds() < end) {
		if (kill(-pgid, 0) < 0 && errno == ESRCH)
			return;
		usleep(50 * 1000);
	}
	kill(-pgid, SIGKILL);
}

int proc_run(const char *cmd, const struct proc_spec *spec, unsigned timeout, struct buf *out,
	     size_t limit, bool *timed_out)
{
	struct proc_spec s = *spec;
	double deadline;
	pid_t pid;
	int fd, status = 0;
	bool open_fd = true;

	s.own_pgrp = true;
	if (timed_out)
		*timed_out = false;
	if (proc_spawn(cmd, &s, &pid, &fd))
		return -1;
	deadline = timeout ? now_seconds() + timeout : 0;
	while (open_fd) {
		struct pollfd pfd = { .fd = fd, .events = POLLIN };
		int r = poll(&pfd, 1, 200);

		if (r < 0 && errno != EINTR)
			break;
		if (r > 0) {
			char chunk[8192];
			ssize_t n = read(fd, chunk, sizeof(chunk));

			if (n > 0) {
				if (out && out->len < limit)
					buf_append(out, chunk,
						   (size_t)n < limit - out->len ? (size_t)n : limit - out->len);
			} else if (n == 0 || (errno != EAGAIN && errno != EINTR)) {
				open_fd = false;
			}
		}
		if (deadline && now_seconds() > deadline) {
			if (timed_out)
				*timed_out = true;
			proc_stop_group(pid, 2.0);
			break;
		}
	}
	close(fd);
	/* The pipe closed or we gave up: reap, and make sure the group is gone. */
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	kill(-pid, SIGKILL);
	return status;
}

/* ---- isolated replay ---- */

static int run_exec(const struct replay_request *rq, struct kmm_exec_result *res)
{
	struct kmm_exec_options opt = { 0 };
	FILE *devnull = NULL;
	int rc;

	opt.target = NULL;
	opt.abort_on_mismatch = false;
	opt.quiet_reports = !rq->verbose;
	if (!rq->verbose)
		devnull = fopen("/dev/null", "w");
	opt.err = rq->verbose ? stderr : devnull;
	opt.before_teardown = rq->before_teardown;
	opt.ctx = rq->ctx;
	memset(res, 0, sizeof(*res));
	rc = kmm_exec_run(rq->prog, &opt, res);
	if (devnull)
		fclose(devnull);
	fflush(stdout);
	fflush(stderr);
	return rc;
}

static void write_all(int fd, const void *data, size_t len)
{
	const char *p = data;

	while (len) {
		ssize_t w = write(fd, p, len);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return;
		p += w;
		len -= (size_t)w;
	}
}

void replay_program(const struct replay_request *rq, struct replay_outcome *out)
{
	int p[2], status = 0;
	pid_t pid;
	size_t got = 0;
	char *dst = (char *)out;
	double deadline;

	memset(out, 0, sizeof(*out));
	if (!rq->isolate || pipe2(p, O_CLOEXEC) < 0) {
		out->rc = run_exec(rq, &out->res);
		out->completed = true;
		out->hook_result = rq->hook_result ? *rq->hook_result : 0;
		return;
	}
	fflush(stdout);
	fflush(stderr);
	pid = fork();
	if (pid < 0) {
		close(p[0]);
		close(p[1]);
		out->rc = run_exec(rq, &out->res);
		out->completed = true;
		out->hook_result = rq->hook_result ? *rq->hook_result : 0;
		return;
	}
	if (pid == 0) {
		struct replay_outcome o = { 0 };

		close(p[0]);
		signal(SIGINT, SIG_DFL);
		if (rq->silence_child) {
			int nul = open("/dev/null", O_WRONLY);

			if (nul >= 0) {
				dup2(nul, 2);
				close(nul);
			}
		}
#ifdef __linux__
		prctl(PR_SET_PDEATHSIG, SIGKILL);
#endif
		o.rc = run_exec(rq, &o.res);
		o.completed = true;
		o.hook_result = rq->hook_result ? *rq->hook_result : 0;
		write_all(p[1], &o, sizeof(o));
		_exit(0);
	}
	close(p[1]);
	deadline = rq->timeout ? now_seconds() + rq->timeout : 0;
	while (got < sizeof(*out)) {
		struct pollfd pfd = { .fd = p[0], .events = POLLIN };
		int r = poll(&pfd, 1, 200);

		if (r < 0 && errno != EINTR)
			break;
		if (r > 0) {
			ssize_t n = read(p[0], dst + got, sizeof(*out) - got);

			if (n < 0 && (errno == EINTR || errno == EAGAIN))
				continue;
			if (n <= 0)
				break;
			got += (size_t)n;
		}
		if (deadline && now_seconds() > deadline) {
			kill(pid, SIGKILL);
			out->timed_out = true;
			break;
		}
	}
	close(p[0]);
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (got == sizeof(*out) && !out->timed_out && WIFEXITED(status))
		out->exit_status = WEXITSTATUS(status);
	if (got != sizeof(*out) || out->timed_out) {
		bool to = out->timed_out;

		memset(out, 0, sizeof(*out));
		out->timed_out = to;
		out->completed = false;
		if (WIFSIGNALED(status) && !to)
			out->term_signal = WTERMSIG(status);
	}
}

void replay_outcome_line(const struct replay_outcome *o, char *buf, size_t cap)
{
	if (o->timed_out)
		snprintf(buf, cap, "TIMEOUT (the replay did not finish in time)");
	else if (!o->completed && o->term_signal)
		snprintf(buf, cap, "CRASH %s (%s)", signal_name(o->term_signal),
			 strsignal(o->term_signal));
	else if (!o->completed)
		snprintf(buf, cap, "CRASH (the replay process died)");
	else if (o->rc < 0)
		snprintf(buf, cap, "ERROR the program's header does not build a system");
	else if (o->rc == 1 || o->res.mismatch)
		snprintf(buf, cap, "MISMATCH %s", o->res.signature);
	else if (o->exit_status)
		snprintf(buf, cap, "ERROR the replay process exited with status %d after the run "
			 "(a memory checker reported errors above)", o->exit_status);
	else
		snprintf(buf, cap, "ok");
}

bool replay_ok(const struct replay_outcome *o)
{
	return o->completed && o->rc == 0 && !o->res.mismatch && !o->exit_status;
}
