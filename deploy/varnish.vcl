# Varnish in front of newsroom's gunicorn (Debian: apt-get install varnish varnish-modules).
#
# Readers' pages are kept for as long as newsroom says (s-maxage) and dropped the
# moment newsroom says what changed: the site sends "PURGE /" with a Surrogate-Key
# header listing the changed keys (CACHE_PURGE_URLS=http://<this varnish>/ on every
# host), and every stored page carrying one of them goes (xkey). Only responses that
# name their keys are kept; staff (a session cookie), the admin, comment posting and
# previews always go to the site. Run the site with TRUSTED_PROXIES set to this
# machine's address so it sees readers' addresses (Varnish adds X-Forwarded-For).
#
#   varnishd -a :80 -f /etc/varnish/newsroom.vcl -s malloc,256m
vcl 4.1;

import std;
import xkey;

backend newsroom {
    .host = "127.0.0.1";
    .port = "8000";
    .probe = {
        .url = "/healthz";
        .interval = 2s;
        .timeout = 1s;
        .window = 3;
        .threshold = 2;
    }
}

# Who may purge: the site's hosts.
acl purgers {
    "127.0.0.1";
    "::1";
}

sub vcl_recv {
    if (req.method == "PURGE") {
        if (client.ip !~ purgers) {
            return (synth(403, "Not allowed to purge"));
        }
        if (!req.http.Surrogate-Key) {
            return (synth(400, "PURGE needs a Surrogate-Key header"));
        }
        set req.http.X-Purged = xkey.purge(req.http.Surrogate-Key);
        return (synth(200, "Purged " + req.http.X-Purged));
    }
    if (req.method != "GET" && req.method != "HEAD") {
        return (pass);
    }
    if (req.url ~ "^/(admin|comments|preview|healthz|readyz)(/|$)") {
        return (pass);
    }
    if (req.http.Cookie ~ "(^|;\s*)sessionid=") {
        return (pass);
    }
    # Readers' other cookies change nothing on a public page.
    unset req.http.Cookie;
    # A stale copy only while the site is down; otherwise always the current page.
    if (std.healthy(req.backend_hint)) {
        set req.grace = 0s;
    }
    return (hash);
}

sub vcl_backend_response {
    if (!beresp.http.Surrogate-Key) {
        # Not a page newsroom caches (errors, redirects, per-reader pages).
        set beresp.uncacheable = true;
        set beresp.ttl = 0s;
        return (deliver);
    }
    set beresp.http.xkey = beresp.http.Surrogate-Key;
    set beresp.grace = 1h;
}

sub vcl_deliver {
    unset resp.http.xkey;
    if (obj.hits > 0) {
        set resp.http.X-Varnish-Cache = "hit";
    } else {
        set resp.http.X-Varnish-Cache = "miss";
    }
}
