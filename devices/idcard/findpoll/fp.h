#ifndef FINDPOLL_H
#define FINDPOLL_H
#define FP_MAXFRAME 512
struct fp;
struct fp *fp_start(int fd, int ctl, int note_fd, int interval_ms, int timeout_ms, int repeat, int drain,
		    const unsigned char *cmd, int cmdlen, int *err);
void fp_set_interval(struct fp *p, int interval_ms);
void fp_join(struct fp *p);
#endif
