// gateway.metrics, gateway.health_grace, gateway.stats_interval, gateway.stats_topic.
#include "config/sections.hpp"

namespace edgebridge::sections {

void read_observability(MapReader& g, GatewaySettings& out) {
  if (auto text = g.optional_string("metrics")) {
    if (*text == "false") {
      out.metrics.reset();
    } else if (*text != "true") {  // true: the default address
      std::string why;
      if (auto address = parse_listen_address(*text, why))
        out.metrics = *address;
      else
        g.context().error(g.raw("metrics"), g.key_path("metrics"), why);
    }
  }
  out.health_grace = g.duration("health_grace", out.health_grace);
  out.stats_interval = g.duration("stats_interval", out.stats_interval);
  if (out.stats_interval.count() != 0 && out.stats_interval < Duration(1000)) {
    g.context().error(g.raw("stats_interval"), g.key_path("stats_interval"),
                      "must be at least 1s, or 0s to publish no stats");
    out.stats_interval = Duration(1000);
  }
  out.stats_topic = g.string("stats_topic", "edgebridge/" + out.id + "/stats");
  if (auto why = topic_name_problem(out.stats_topic); !why.empty())
    g.context().error(g.raw("stats_topic"), g.key_path("stats_topic"), why);
}

}  // namespace edgebridge::sections
