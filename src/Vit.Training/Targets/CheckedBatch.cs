namespace Vit.Training;

/// <summary>What <see cref="BatchChecks.Check"/> learned about a batch before the model ran.</summary>
/// <param name="Count">The number of samples (B).</param>
/// <param name="Kind">What the targets are.</param>
/// <param name="HostLabelRange">The smallest and largest class index when the labels are on the CPU (read there for free).</param>
/// <param name="LabelsOnDevice">Class indices that are already on another device: their range is checked there,
/// with the update's one wait, and the loss reads them clamped so that a bad one cannot trip a device-side assert.</param>
internal readonly record struct CheckedBatch(int Count, TargetKind Kind, (long Min, long Max)? HostLabelRange, bool LabelsOnDevice);
