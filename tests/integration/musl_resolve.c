// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * musl_resolve NAME COUNT: resolve NAME (A and AAAA) COUNT times with getaddrinfo, built with
 * musl-gcc -static. musl's resolver sends each query with sendto(2) from a UDP socket it never
 * connects, to every nameserver of /etc/resolv.conf at once, and reads the answers with
 * recvfrom(2): the resolver of Alpine images. Prints each lookup's address count.
 */
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int main(int argc, char **argv)
{
	struct addrinfo hints, *res, *a;
	int count = argc > 2 ? atoi(argv[2]) : 1;

	if (argc < 2) {
		fprintf(stderr, "usage: musl_resolve NAME [COUNT]\n");
		return 2;
	}
	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	for (int i = 0; i < count; i++) {
		int n = 0, err = getaddrinfo(argv[1], "80", &hints, &res);

		if (err) {
			fprintf(stderr, "musl_resolve: %s: %s\n", argv[1], gai_strerror(err));
			return 1;
		}
		for (a = res; a; a = a->ai_next)
			n++;
		freeaddrinfo(res);
		printf("%d\n", n);
	}
	return 0;
}
