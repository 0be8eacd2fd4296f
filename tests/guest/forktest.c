#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/wait.h>
#include <sys/mman.h>
int main(void)
{
	char *p = malloc(1 << 20);
	memset(p, 'a', 1 << 20);
	char *sh = mmap(NULL, 8192, PROT_READ|PROT_WRITE, MAP_SHARED|MAP_ANONYMOUS, -1, 0);
	sh[0] = 1;
	pid_t pid = fork();
	if (pid < 0) { perror("fork"); return 1; }
	if (pid == 0) {
		p[100] = 'b';
		sh[0] = 42;
		printf("child: p[100]=%c sh=%d\n", p[100], sh[0]);
		_exit(7);
	}
	int st;
	waitpid(pid, &st, 0);
	printf("parent: child status %d, p[100]=%c sh=%d\n", WEXITSTATUS(st), p[100], sh[0]);
	return (p[100] == 'a' && sh[0] == 42) ? 0 : 1;
}
