namespace Vit.Training;

/// <summary>What a batch's targets are.</summary>
internal enum TargetKind
{
    /// <summary>int64 class indices [B].</summary>
    ClassIndices,

    /// <summary>Floating-point class probabilities [B, K] (soft targets, as Mixup and CutMix make).</summary>
    Probabilities,

    /// <summary>Anything with B rows, for a user-supplied loss.</summary>
    Custom,
}
