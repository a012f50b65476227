/* SPDX-License-Identifier: Apache-2.0 */
/* libcurl (Debian: libcurl4-openssl-dev) for the Discord sink. curl_easy_setopt
 * is variadic, which Swift cannot call, so typed wrappers are provided here. */
#ifndef RIGWATCH_CCURL_SHIM_H
#define RIGWATCH_CCURL_SHIM_H
#include <curl/curl.h>

static inline CURLcode rw_curl_set_long(CURL *c, CURLoption o, long v)
{
	return curl_easy_setopt(c, o, v);
}
static inline CURLcode rw_curl_set_string(CURL *c, CURLoption o, const char *v)
{
	return curl_easy_setopt(c, o, v);
}
static inline CURLcode rw_curl_set_pointer(CURL *c, CURLoption o, void *v)
{
	return curl_easy_setopt(c, o, v);
}
static inline CURLcode rw_curl_set_slist(CURL *c, CURLoption o, struct curl_slist *v)
{
	return curl_easy_setopt(c, o, v);
}
typedef size_t (*rw_curl_callback)(char *data, size_t size, size_t n, void *user);
static inline CURLcode rw_curl_set_callback(CURL *c, CURLoption o, rw_curl_callback f)
{
	return curl_easy_setopt(c, o, f);
}
static inline CURLcode rw_curl_get_long(CURL *c, CURLINFO i, long *v)
{
	return curl_easy_getinfo(c, i, v);
}
static inline CURLcode rw_curl_get_double(CURL *c, CURLINFO i, double *v)
{
	return curl_easy_getinfo(c, i, v);
}

#endif
