#include "exporter/loadgen/kafka_driver.h"

#include <librdkafka/rdkafka.h>

#include <algorithm>
#include <thread>

namespace streamlens::exporter::loadgen {

namespace {

rd_kafka_conf_t* MakeConf(const std::string& bootstrap,
                          const std::vector<std::pair<std::string, std::string>>& extra,
                          std::string* error) {
  rd_kafka_conf_t* conf = rd_kafka_conf_new();
  char errstr[512];
  std::vector<std::pair<std::string, std::string>> all = {{"bootstrap.servers", bootstrap},
                                                          {"log_level", "3"}};
  all.insert(all.end(), extra.begin(), extra.end());
  for (const auto& [k, v] : all) {
    if (rd_kafka_conf_set(conf, k.c_str(), v.c_str(), errstr, sizeof(errstr)) != RD_KAFKA_CONF_OK) {
      *error = "kafka configuration \"" + k + "\": " + errstr;
      rd_kafka_conf_destroy(conf);
      return nullptr;
    }
  }
  return conf;
}

}  // namespace

struct Producer::Impl {
  rd_kafka_t* rk = nullptr;
  ~Impl() {
    if (rk) {
      rd_kafka_flush(rk, 2000);
      rd_kafka_destroy(rk);
    }
  }
};

Result<std::unique_ptr<Producer>> Producer::Create(
    const std::string& bootstrap, const std::vector<std::pair<std::string, std::string>>& extra,
    DeliveryHook hook) {
  std::unique_ptr<Producer> p(new Producer());
  p->hook_ = std::move(hook);
  p->impl_ = std::make_unique<Impl>();
  std::string error;
  std::vector<std::pair<std::string, std::string>> cfg = {
      {"linger.ms", "5"}, {"queue.buffering.max.messages", "1000000"}, {"acks", "1"}};
  cfg.insert(cfg.end(), extra.begin(), extra.end());
  rd_kafka_conf_t* conf = MakeConf(bootstrap, cfg, &error);
  if (conf == nullptr) return Status::Error(error);
  rd_kafka_conf_set_opaque(conf, p.get());
  rd_kafka_conf_set_dr_msg_cb(conf, [](rd_kafka_t*, const rd_kafka_message_t* m, void* opaque) {
    auto* self = static_cast<Producer*>(opaque);
    if (self->hook_) {
      self->hook_(rd_kafka_topic_name(m->rkt), m->partition, m->err == RD_KAFKA_RESP_ERR_NO_ERROR);
    }
    if (m->err == RD_KAFKA_RESP_ERR_NO_ERROR) {
      self->delivered_.fetch_add(1);
    } else {
      self->failed_.fetch_add(1);
    }
  });
  char errstr[512];
  p->impl_->rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, errstr, sizeof(errstr));
  if (p->impl_->rk == nullptr) {
    rd_kafka_conf_destroy(conf);
    return Status::Error(std::string("creating the producer: ") + errstr);
  }
  return p;
}

Producer::~Producer() = default;

Status Producer::Produce(const std::string& topic, int partition, int count) {
  static const char kPayload[] = "streamlens-loadgen";
  for (int i = 0; i < count; ++i) {
    for (int attempt = 0;; ++attempt) {
      rd_kafka_resp_err_t err = rd_kafka_producev(
          impl_->rk, RD_KAFKA_V_TOPIC(topic.c_str()), RD_KAFKA_V_PARTITION(partition),
          RD_KAFKA_V_VALUE(const_cast<char*>(kPayload), sizeof(kPayload) - 1),
          RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY), RD_KAFKA_V_END);
      if (err == RD_KAFKA_RESP_ERR_NO_ERROR) break;
      if (err == RD_KAFKA_RESP_ERR__QUEUE_FULL && attempt < 100) {
        rd_kafka_poll(impl_->rk, 10);
        continue;
      }
      return Status::Error("producing to " + topic + "/" + std::to_string(partition) + ": " +
                           rd_kafka_err2str(err));
    }
  }
  rd_kafka_poll(impl_->rk, 0);
  return Status::Ok();
}

void Producer::Poll() { rd_kafka_poll(impl_->rk, 0); }

Result<std::map<std::string, std::vector<int>>> Producer::PartitionLeaders(
    const std::vector<std::string>& topics, int timeout_ms) {
  const rd_kafka_metadata_t* md = nullptr;
  rd_kafka_resp_err_t err = rd_kafka_metadata(impl_->rk, 1, nullptr, &md, timeout_ms);
  if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
    return Status::Error(std::string("reading cluster metadata: ") + rd_kafka_err2str(err));
  }
  std::map<std::string, std::vector<int>> out;
  for (int i = 0; i < md->topic_cnt; ++i) {
    const rd_kafka_metadata_topic_t& t = md->topics[i];
    std::vector<int> leaders(static_cast<size_t>(std::max(0, t.partition_cnt)), -1);
    for (int j = 0; j < t.partition_cnt; ++j) {
      const int id = t.partitions[j].id;
      if (id >= 0 && id < t.partition_cnt)
        leaders[static_cast<size_t>(id)] = t.partitions[j].leader;
    }
    out[t.topic] = std::move(leaders);
  }
  rd_kafka_metadata_destroy(md);
  for (const auto& name : topics) {
    if (!out.count(name)) return Status::Error("topic " + name + " is not in the cluster metadata");
  }
  return out;
}

Status Producer::Flush(int timeout_ms) {
  rd_kafka_resp_err_t err = rd_kafka_flush(impl_->rk, timeout_ms);
  if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
    return Status::Error(std::string("flushing the producer: ") + rd_kafka_err2str(err));
  }
  return Status::Ok();
}

struct OffsetCommitter::Impl {
  rd_kafka_t* rk = nullptr;
  ~Impl() {
    if (rk) rd_kafka_destroy(rk);
  }
};

Result<std::unique_ptr<OffsetCommitter>> OffsetCommitter::Create(
    const std::string& bootstrap, const std::string& group,
    const std::vector<std::pair<std::string, std::string>>& extra) {
  std::unique_ptr<OffsetCommitter> c(new OffsetCommitter());
  c->impl_ = std::make_unique<Impl>();
  c->group_ = group;
  std::string error;
  std::vector<std::pair<std::string, std::string>> cfg = {{"group.id", group},
                                                          {"enable.auto.commit", "false"}};
  cfg.insert(cfg.end(), extra.begin(), extra.end());
  rd_kafka_conf_t* conf = MakeConf(bootstrap, cfg, &error);
  if (conf == nullptr) return Status::Error(error);
  char errstr[512];
  c->impl_->rk = rd_kafka_new(RD_KAFKA_CONSUMER, conf, errstr, sizeof(errstr));
  if (c->impl_->rk == nullptr) {
    rd_kafka_conf_destroy(conf);
    return Status::Error(std::string("creating the committer for group ") + group + ": " + errstr);
  }
  return c;
}

OffsetCommitter::~OffsetCommitter() = default;

Status OffsetCommitter::Commit(const std::vector<OffsetToCommit>& offsets) {
  if (offsets.empty()) return Status::Ok();
  rd_kafka_topic_partition_list_t* list =
      rd_kafka_topic_partition_list_new(static_cast<int>(offsets.size()));
  for (const auto& o : offsets) {
    rd_kafka_topic_partition_list_add(list, o.topic.c_str(), o.partition)->offset = o.offset;
  }
  rd_kafka_resp_err_t err = rd_kafka_commit(impl_->rk, list, 0);
  std::string detail;
  if (err == RD_KAFKA_RESP_ERR_NO_ERROR) {
    for (int i = 0; i < list->cnt; ++i) {
      if (list->elems[i].err != RD_KAFKA_RESP_ERR_NO_ERROR) {
        err = list->elems[i].err;
        detail = std::string(" (") + list->elems[i].topic + "/" +
                 std::to_string(list->elems[i].partition) + ")";
        break;
      }
    }
  }
  rd_kafka_topic_partition_list_destroy(list);
  if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
    return Status::Error("committing offsets for group " + group_ + detail + ": " +
                         rd_kafka_err2str(err));
  }
  return Status::Ok();
}

}  // namespace streamlens::exporter::loadgen
