// SPDX-License-Identifier: GPL-2.0-or-later
#include <errno.h>
#include <sys/capability.h>

#include "err.h"
#include "sys.h"

bool caps_have(int cap)
{
	cap_flag_value_t v = CAP_CLEAR;
	cap_t c = cap_get_proc();

	if (!c)
		return false;
	if (cap_get_flag(c, (cap_value_t)cap, CAP_EFFECTIVE, &v) < 0)
		v = CAP_CLEAR;
	cap_free(c);
	return v == CAP_SET;
}

int caps_need_net_admin(void)
{
	if (caps_have(CAP_NET_ADMIN))
		return 0;
	err_conflict("needs CAP_NET_ADMIN (run as root)");
	return -EPERM;
}
