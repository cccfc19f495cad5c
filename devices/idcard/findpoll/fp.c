// The find-card poll thread of package findpoll (see findpoll.go).
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "fp.h"

enum { kindReply = 1, kindTimeout = 2, kindIO = 3, kindHangup = 4 };

struct fp {
	int fd, ctl, note;
	int interval_ms, timeout_ms, repeat;
	int drain; // discard stale input before each command (always 1 outside tests of this very rule)
	unsigned char cmd[16];
	int cmdlen;
	pthread_t th;
};

static int64_t now_ms(void) {
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

// frame_end returns the length of the first complete frame in b (preamble,
// LEN, LEN bytes) counted from b, 0 when none is complete yet; *start is
// where its preamble begins.
static int frame_end(const unsigned char *b, int n, int *start) {
	for (int i = 0; i + 7 <= n; i++) {
		if (b[i] != 0xAA || b[i+1] != 0xAA || b[i+2] != 0xAA || b[i+3] != 0x96 || b[i+4] != 0x69)
			continue;
		int len = (b[i+5] << 8) | b[i+6];
		if (len < 4 || len > FP_MAXFRAME - 7)
			continue; // not a reply's LEN: hunt on
		*start = i;
		return i + 7 + len <= n ? 7 + len : 0;
	}
	return 0;
}

static void note(struct fp *p, int kind, int err, const unsigned char *b, int n) {
	unsigned char rec[4 + FP_MAXFRAME];
	if (n > FP_MAXFRAME)
		n = FP_MAXFRAME;
	rec[0] = (unsigned char)kind;
	rec[1] = (unsigned char)err;
	rec[2] = (unsigned char)(n & 0xFF);
	rec[3] = (unsigned char)(n >> 8);
	if (n > 0)
		memcpy(rec + 4, b, n);
	// One record per write, at most PIPE_BUF bytes: atomic. A full pipe
	// (the reader stopped) loses the record rather than block the line.
	ssize_t w;
	do {
		w = write(p->note, rec, 4 + n);
	} while (w < 0 && errno == EINTR);
}

// exchange writes the command and waits up to timeout_ms for one complete
// frame. It returns the kind; the frame (or what arrived) is in buf/*n.
static int exchange(struct fp *p, unsigned char *buf, int *n, int *err) {
	unsigned char junk[512];
	if (p->drain) {
		// Stale bytes (a late reply to a command that timed out, noise)
		// are not this command's reply.
		ssize_t r;
		while ((r = read(p->fd, junk, sizeof junk)) > 0)
			;
		if (r == 0) {
			*n = 0;
			return kindHangup;
		}
	}
	int off = 0;
	while (off < p->cmdlen) {
		ssize_t w = write(p->fd, p->cmd + off, p->cmdlen - off);
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0 && errno == EAGAIN) {
			struct pollfd q = {p->fd, POLLOUT, 0};
			if (poll(&q, 1, p->timeout_ms) <= 0) {
				*n = 0;
				return kindTimeout;
			}
			continue;
		}
		if (w < 0) {
			*err = errno;
			*n = 0;
			return kindIO;
		}
		off += (int)w;
	}
	int64_t deadline = now_ms() + p->timeout_ms;
	int got = 0, start = 0;
	for (;;) {
		int end = frame_end(buf, got, &start);
		if (end > 0) {
			memmove(buf, buf + start, end);
			*n = end;
			return kindReply;
		}
		int left = (int)(deadline - now_ms());
		if (left <= 0 || got >= FP_MAXFRAME) {
			*n = got;
			return kindTimeout;
		}
		struct pollfd q = {p->fd, POLLIN, 0};
		int r = poll(&q, 1, left);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0) {
			continue; // the deadline check above ends it
		}
		ssize_t m = read(p->fd, buf + got, FP_MAXFRAME - got);
		if (m > 0) {
			got += (int)m;
			continue;
		}
		if (m < 0 && (errno == EAGAIN || errno == EINTR))
			continue;
		if (m == 0 || errno == EIO) {
			*n = got;
			return kindHangup;
		}
		*err = errno;
		*n = got;
		return kindIO;
	}
}

static void *loop(void *arg) {
	struct fp *p = arg;
	unsigned char buf[FP_MAXFRAME], last[FP_MAXFRAME];
	int lastn = -1, same = 0;
	int wait = 0; // the first exchange at once
	for (;;) {
		struct pollfd c = {p->ctl, POLLIN, 0};
		int r = poll(&c, 1, wait);
		if (r < 0 && errno == EINTR)
			continue;
		if (r > 0) {
			unsigned char m[64];
			ssize_t k = read(p->ctl, m, sizeof m);
			if (k <= 0 || memchr(m, 'q', (size_t)k))
				return NULL;
			for (ssize_t i = 0; i < k; i++)
				if (m[i] == 'i')
					__atomic_load(&p->interval_ms, &wait, __ATOMIC_SEQ_CST);
			// a kick ('k') or a new interval: poll now
		}
		int n = 0, err = 0;
		int kind = exchange(p, buf, &n, &err);
		if (kind == kindReply) {
			if (n == lastn && memcmp(buf, last, n) == 0) {
				same++;
			} else {
				same = 1;
				memcpy(last, buf, n);
				lastn = n;
			}
			if (same <= p->repeat)
				note(p, kind, 0, buf, n);
		} else {
			lastn = -1;
			same = 0;
			note(p, kind, err, buf, n);
			if (kind == kindHangup)
				return NULL;
		}
		__atomic_load(&p->interval_ms, &wait, __ATOMIC_SEQ_CST);
	}
}

struct fp *fp_start(int fd, int ctl, int note_fd, int interval_ms, int timeout_ms, int repeat, int drain,
		    const unsigned char *cmd, int cmdlen, int *err) {
	struct fp *p = calloc(1, sizeof *p);
	if (!p) {
		*err = ENOMEM;
		return NULL;
	}
	p->fd = fd;
	p->ctl = ctl;
	p->note = note_fd;
	p->interval_ms = interval_ms;
	p->timeout_ms = timeout_ms;
	p->repeat = repeat;
	p->drain = drain;
	if (cmdlen > (int)sizeof p->cmd)
		cmdlen = sizeof p->cmd;
	memcpy(p->cmd, cmd, cmdlen);
	p->cmdlen = cmdlen;
	int e = pthread_create(&p->th, NULL, loop, p);
	if (e != 0) {
		free(p);
		*err = e;
		return NULL;
	}
	return p;
}

void fp_set_interval(struct fp *p, int interval_ms) {
	__atomic_store(&p->interval_ms, &interval_ms, __ATOMIC_SEQ_CST);
}

void fp_join(struct fp *p) {
	pthread_join(p->th, NULL);
	free(p);
}
