using System.Text.Json;
using System.Text.Json.Serialization;

namespace Vit.Training;

/// <summary>The trainer's counters (the base class's, first in the JSON) and settings stored (as JSON) in a checkpoint's metadata.</summary>
internal sealed class CheckpointState : TrainingCounters
{
    /// <summary>The metadata key holding <see cref="CheckpointState"/> as JSON.</summary>
    public const string MetadataKey = "vit.training";

    /// <summary>The metadata key holding the model's options as JSON (for people and tools; loading checks shapes).</summary>
    public const string ModelOptionsKey = "vit.model_options";

    /// <summary>The metadata key and value that mark a file as a trainer checkpoint.</summary>
    public const string FormatKey = "format";

    /// <summary>The format this build writes and reads.</summary>
    public const string Format = "vit.training.checkpoint/1";

    private static readonly JsonSerializerOptions Json = new()
    {
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
        Converters = { new JsonStringEnumConverter() },
    };

    /// <summary>AdamW's per-parameter step counts (its bias correction), by parameter name.</summary>
    /// <remarks>Order 1 and after: the base class's counters come first in the JSON, as the format has them.</remarks>
    [JsonPropertyOrder(1)]
    public Dictionary<string, long> AdamSteps { get; set; } = [];

    [JsonPropertyOrder(2)]
    public ScheduleState? Schedule { get; set; }

    /// <summary>The fp16 loss scaler's state (<see langword="null"/> in a checkpoint without one).</summary>
    [JsonPropertyOrder(3)]
    public LossScaleState? LossScale { get; set; }

    [JsonPropertyOrder(4)]
    public TrainerOptions Options { get; set; } = new();

    public string ToJson() => JsonSerializer.Serialize(this, Json);

    public static string Serialize<T>(T value) => JsonSerializer.Serialize(value, Json);

    /// <summary>Parses the metadata of a checkpoint file; corrupt or foreign metadata throws <see cref="InvalidDataException"/>.</summary>
    public static CheckpointState FromMetadata(IReadOnlyDictionary<string, string> metadata, string path)
    {
        if (!metadata.TryGetValue(FormatKey, out var format) || format != Format)
        {
            throw new InvalidDataException(
                $"'{path}' is not a Vit.Training checkpoint (metadata '{FormatKey}' is '{format ?? "missing"}', expected '{Format}'). Plain model weights load with VisionTransformer.LoadTimm.");
        }

        CheckpointState? state;
        try
        {
            state = JsonSerializer.Deserialize<CheckpointState>(metadata.GetValueOrDefault(MetadataKey) ?? "null", Json);
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"Checkpoint '{path}' has unreadable '{MetadataKey}' metadata: {e.Message}", e);
        }

        // JSON null is valid JSON: the objects the state cannot do without are checked here, the values later.
        string? missing = state is null ? $"no '{MetadataKey}' metadata"
            : state.Options is null ? $"no options in its '{MetadataKey}' metadata (Options is null)"
            : state.AdamSteps is null ? $"no AdamW step counts in its '{MetadataKey}' metadata (AdamSteps is null)"
            : null;
        return missing is null ? state! : throw new InvalidDataException($"Checkpoint '{path}' has {missing}.");
    }

    /// <summary>
    /// Parses the metadata as <see cref="FromMetadata"/> does and checks every value's range
    /// (<see cref="CheckpointStateChecks"/>); a value out of range throws <see cref="InvalidDataException"/>.
    /// </summary>
    public static CheckpointState FromMetadataChecked(IReadOnlyDictionary<string, string> metadata, string path)
    {
        var state = FromMetadata(metadata, path);
        var problems = new List<string>();
        CheckpointStateChecks.Check(state, problems);
        return problems.Count == 0
            ? state
            : throw new InvalidDataException($"Checkpoint '{path}' holds values that training never writes: {string.Join("; ", problems)}.");
    }

    /// <summary>A <see cref="LearningRateSchedule"/> as stored.</summary>
    internal sealed class ScheduleState
    {
        public double BaseLearningRate { get; set; }

        public int WarmupSteps { get; set; }

        public int TotalSteps { get; set; }

        public double WarmupInitialLearningRate { get; set; }

        public double MinLearningRate { get; set; }

        public LearningRateDecay Decay { get; set; }

        public static ScheduleState From(LearningRateSchedule s) => new()
        {
            BaseLearningRate = s.BaseLearningRate,
            WarmupSteps = s.WarmupSteps,
            TotalSteps = s.TotalSteps,
            WarmupInitialLearningRate = s.WarmupInitialLearningRate,
            MinLearningRate = s.MinLearningRate,
            Decay = s.Decay,
        };

        public LearningRateSchedule ToSchedule() =>
            new(BaseLearningRate, WarmupSteps, TotalSteps, WarmupInitialLearningRate, MinLearningRate, Decay);
    }

    /// <summary>A <see cref="LossScaler"/> as stored.</summary>
    internal sealed class LossScaleState
    {
        /// <summary>Whether the run that wrote it scaled its loss (fp16).</summary>
        public bool Enabled { get; set; }

        public float Scale { get; set; } = 1f;

        public int GrowthTracker { get; set; }

        public int Overflows { get; set; }
    }
}
