// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include "proto/registry.h"

#include "proto/dns/dns_proto.h"
#include "proto/http1/http1_proto.h"
#include "proto/http2/http2_proto.h"

const struct se_proto_ops *const se_protocols[] = {
	&se_http2_proto, /* before HTTP/1: its preface starts like a request line */
	&se_http1_proto,
	&se_dns_proto, /* datagrams only: no detection rules */
	NULL,
};

const struct se_proto_ops *se_protocol(unsigned int id)
{
	for (unsigned int i = 0; se_protocols[i]; i++)
		if (se_protocols[i]->id == id)
			return se_protocols[i];
	return NULL;
}
