using BenchmarkDotNet.Running;
using Microsoft.Extensions.Options;
using Vit.Benchmarks;
using Vit.Benchmarks.Commands;
using Vit.Benchmarks.Micro;

// Subcommands print one result line each (plus '#' comment lines describing the run), so scripts can grep them.
const string Usage = """
    usage: Vit.Benchmarks <command> [--option value ...]
      train-step    [--depth 6 --dim 384 --heads 6 --patch 4 --image 28 --channels 1 --classes 10 --batch 128 --steps 10 --warmup 3]
                    [--model vit|baseline] [--compare-baseline] [--threads N] [--interop-threads N]
                    [--precision float32|bfloat16|float16] [--no-peer]: the Trainer (TrainerOptions.Precision) in fp32
                    and in the precision alternating in one process; --no-peer runs the precision alone (its own peak RSS)
      inference     same options (default --batch 256), or --model-dir DIR (from export-onnx) for its weights;
                    [--precision float32|bfloat16|float16] [--no-peer]: bfloat16/float16 run the fp32 peer, fp32 weights
                    under Autocast and the model converted, alternating
                    --engine onnx --model-dir DIR [--onnx-file model.onnx] [--batch N --steps N --warmup N --threads N]:
                    ONNX Runtime through Vit.Inference, in this process without libtorch
      embed         --engine onnx|torch --model-dir DIR (from export-onnx) [--batch 64 --steps N --warmup N --threads N]:
                    embeddings per second: ImageEmbedder on model-embeddings.onnx, or ForwardHead(ForwardFeatures(x), preLogits: true)
      export-onnx   --out DIR [model options, --pooling token|mean, --seed 0]: a model folder + Vit's ONNX graphs
                    [--precisions int8,int8-static,fp16] [--only-standard] [--graph-only] [--external-data auto|always|never] [--from DIR]:
                    also model-int8.onnx / model-int8-static.onnx (32 noise calibration images) / model-fp16.onnx; only model.onnx of the attention forms; no config/safetensors;
                    --from: a trained model folder's weights instead of a random model
      onnx-agreement --model-dir DIR --files A.onnx[,B.onnx,...] [--held-out | --images 1000] [--batch 50 --threads 2 --data DIR]:
                    the graphs on real Fashion-MNIST images: top-1 (10-wide outputs), argmax agreement and cosine to the
                    first, seconds per batch, file size (graph + external data)
      dinov2-folder --out DIR [--depth 12 --dim 384 --heads 6 --patch 14 --image 224 --seed 0]: a folder in transformers'
                    facebook/dinov2-* layout (config, Dinov2Model keys, preprocessor_config.json) with random weights
      onnx-profile  --file MODEL.onnx [--batch 1 --runs 10 --threads 2]: ONNX Runtime's profiler, kernel time by operator
      hand-step     same model options + [--precision float32|bfloat16|float16] [--no-peer] [--compare-attention]:
                    a hand-written step (forward, loss, backward under Autocast; TorchSharp AdamW), the fp32 peer
                    alternating; --compare-attention adds the step with Autocast.CpuAttentionInFloat32 on
      onnx-interleaved --model-dir DIR --files A.onnx,B.onnx[,...] [--batch 1 --block N --rounds 10 --threads 2 --cpu-time]:
                    the graphs in one process (no libtorch), timed in alternating blocks; ratios to the first
      profile       same options as train-step + [--precision float32|bfloat16|float16]: times each kind of op of one
                    training step by hand (bfloat16/float16: a hand-written autocast step, with its fp32 twin)
      gemm          same model options: every GEMM of a step in the four operand layouts
      hide-and-seek [--batch 128 --channels 1 --image 28 --steps 50]
      augment       [--batch 128 --channels 1 --image 28 --steps 30 --randaug rand-m9-n2-mstd0.5]: each random transform and RandAugment op
      loader        [--batch 128 --workers 2 --prefetch 2 --batches 200 --crop PAD --flip --randaug rand-m9-n2-mstd0.5
                    --hide-and-seek --erase P --mixup --data DIR]   (shipped Fashion-MNIST files)
      decode        [--data DIR | --files 256 --source 500x375] [--image 224 --batch 32 --rounds 3 --threads 1,2
                    --interpolation bicubic]: StreamingImageFolder JPEG decode + Pillow-exact resize/crop, img/s per thread
      memory        [--steps 300 --every 50 --trim-every K --model vit|baseline --precision P] + model options: resident memory every N steps
      soak          [--updates 1000 --every 10 --warmup 200 --csv soak.csv --png soak.png --threads N --data DIR]: Trainer
                    updates at the sample's default shape; resident memory, file descriptors and threads, their slope;
                    --from-log FILE summarises and draws a soak's printed lines again
      grad-checkpoint [--batch 32 --rounds 2 --warmup 1 --mode alternate|on|off --split --breakdown --timeline CSV --return-large-blocks
                    --retain-freed-memory --return-blocks-from-mb MB
                    --sample-ms MS (memory sampler, 0 = off: the default unless --split or --timeline)] + model options:
                    Trainer steps with and without gradient checkpointing alternating in one process, each step's own peak
                    resident memory
      micro         [BenchmarkDotNet arguments, e.g. --filter *Attention*]
      allreduce     [--elements N (default: the model options' gradient count) --repetitions 20 --warmup 3] + model options;
                    under mpirun: mpirun -np 2 dotnet Vit.Benchmarks.dll allreduce
      dp-step       [--batch 32 (per rank) --steps 6 --warmup 2] + model options: data-parallel Trainer updates, 1 thread
                    per rank; under mpirun the all-reduce's share of an update, alone the 1-process baseline
    """;

if (args.Length == 0 || args[0] is "-h" or "--help" or "help")
{
    Console.WriteLine(Usage);
    return args.Length == 0 ? 1 : 0;
}

try
{
    var rest = args[1..];
    return args[0] switch
    {
        "train-step" => ThroughputCommand.Run(new Arguments(rest), ThroughputCommand.Kind.TrainStep),
        "hand-step" => ThroughputCommand.Run(new Arguments(rest), ThroughputCommand.Kind.HandStep),
        "inference" => RunInference(new Arguments(rest)),
        "export-onnx" => ExportOnnxCommand.Run(new Arguments(rest)),
        "embed" => RunEmbed(new Arguments(rest)),
        "onnx-interleaved" => OnnxInterleavedCommand.Run(new Arguments(rest)),
        "onnx-agreement" => OnnxAgreementCommand.Run(new Arguments(rest)),
        "dinov2-folder" => Dinov2FolderCommand.Run(new Arguments(rest)),
        "onnx-profile" => OnnxProfileCommand.Run(new Arguments(rest)),
        "profile" => ProfileCommand.Run(new Arguments(rest)),
        "gemm" => GemmCommand.Run(new Arguments(rest)),
        "hide-and-seek" => HideAndSeekCommand.Run(new Arguments(rest)),
        "augment" => AugmentCommand.Run(new Arguments(rest)),
        "loader" => LoaderCommand.Run(new Arguments(rest)),
        "decode" => DecodeCommand.Run(new Arguments(rest)),
        "memory" => MemoryCommand.Run(new Arguments(rest)),
        "soak" => SoakCommand.Run(new Arguments(rest)),
        "grad-checkpoint" => GradientCheckpointCommand.Run(new Arguments(rest)),
        "micro" => RunMicro(rest),
        "allreduce" => AllReduceCommand.Run(new Arguments(rest)),
        "dp-step" => DataParallelStepCommand.Run(new Arguments(rest)),
        _ => throw new ArgumentException($"Unknown command '{args[0]}'.\n{Usage}"),
    };
}
catch (Exception e) when (e is ArgumentException or OptionsValidationException)
{
    Console.Error.WriteLine(e.Message);
    return 2;
}

// The onnx engine must decide before anything touches TorchSharp: libtorch loads on first use and stays.
static int RunInference(Arguments arguments) => arguments.String("engine", "torch") switch
{
    "onnx" => OnnxInferenceCommand.Run(arguments),
    "torch" => ThroughputCommand.Run(arguments, ThroughputCommand.Kind.Inference),
    string other => throw new ArgumentException($"--engine must be onnx or torch; got '{other}'."),
};

// The same split for embeddings: ONNX Runtime's process never loads libtorch.
static int RunEmbed(Arguments arguments) => arguments.String("engine", "torch") switch
{
    "onnx" => OnnxEmbedCommand.Run(arguments),
    "torch" => TorchEmbedCommand.Run(arguments),
    string other => throw new ArgumentException($"--engine must be onnx or torch; got '{other}'."),
};

static int RunMicro(string[] rest)
{
    var summaries = BenchmarkSwitcher.FromTypes([typeof(AttentionBenchmarks), typeof(EncoderLayerBenchmarks), typeof(HideAndSeekBenchmarks)])
        .Run(rest, MicroConfig.Create());
    return summaries.Any(s => s.HasCriticalValidationErrors || s.Reports.Any(r => !r.Success)) ? 1 : 0;
}
