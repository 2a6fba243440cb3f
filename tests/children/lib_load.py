#!/usr/bin/env python3
"""Load a repo from the (fake) Hub the way users do, with the real libraries (tests/e2e/libraries/).

    python lib_load.py transformers REPO [--weights]   AutoConfig + AutoTokenizer (+ cached_file of the weights)
    python lib_load.py datasets REPO                   load_dataset(REPO, split="train")
    python lib_load.py diffusers REPO                  ConfigMixin.load_config: model_index.json, scheduler/
    python lib_load.py hub REPO FILE                   hf_hub_download(REPO, FILE)

On success prints `FILE <path in repo> <local path>` for every file it loaded (the test checks their
sha256 against the fake Hub's manifest) and `LOADED <what>`; on failure the library's own exception
propagates, as in a user's script. Everything else (endpoint, token, offline mode) comes from the
environment, as for users.
"""

import sys


def transformers_load(repo, weights):
    from transformers import AutoConfig, AutoTokenizer
    from transformers.utils import cached_file

    config = AutoConfig.from_pretrained(repo)
    tok = AutoTokenizer.from_pretrained(repo)
    ids = tok("hello fake world")["input_ids"]
    names = ["config.json", "tokenizer.json", "tokenizer_config.json"]
    if weights:
        names.append("model.safetensors")
    for name in names:
        print("FILE %s %s" % (name, cached_file(repo, name)), flush=True)
    print("LOADED %s %s %d tokens" % (config.model_type, type(tok).__name__, len(ids)), flush=True)


def datasets_load(repo):
    from datasets import load_dataset

    ds = load_dataset(repo, split="train")
    assert ds.num_rows == 32, ds
    assert ds[3]["text"] == "row 3 of the fake dataset", ds[3]
    print("LOADED dataset %d rows %s" % (ds.num_rows, ",".join(ds.column_names)), flush=True)


def diffusers_load(repo):
    from diffusers.configuration_utils import ConfigMixin

    class PipelineIndex(ConfigMixin):
        config_name = "model_index.json"

    class SchedulerConfig(ConfigMixin):
        # What DDPMScheduler.from_pretrained reads (DDPMScheduler itself needs torch).
        config_name = "scheduler_config.json"

    index = PipelineIndex.load_config(repo)
    sched = SchedulerConfig.load_config(repo, subfolder="scheduler")
    assert sched["_class_name"] == "DDPMScheduler", sched
    print("LOADED %s %s %d steps" % (index["_class_name"], sched["_class_name"], sched["num_train_timesteps"]), flush=True)


def hub_load(repo, filename):
    from huggingface_hub import hf_hub_download

    path = hf_hub_download(repo, filename)
    print("FILE %s %s" % (filename, path), flush=True)
    print("LOADED %s" % filename, flush=True)


def main():
    mode, repo = sys.argv[1], sys.argv[2]
    if mode == "transformers":
        transformers_load(repo, "--weights" in sys.argv[3:])
    elif mode == "datasets":
        datasets_load(repo)
    elif mode == "diffusers":
        diffusers_load(repo)
    elif mode == "hub":
        hub_load(repo, sys.argv[3])
    else:
        raise SystemExit("lib_load.py: unknown mode %r" % mode)


if __name__ == "__main__":
    main()
