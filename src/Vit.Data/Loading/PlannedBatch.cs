namespace Vit.Data;

/// <summary>
/// One batch an epoch enumeration builds: its index in the epoch (what keys its batch stream: the global batch's
/// index when the batch is one rank's share of it) and the dataset indices of its samples, in batch order.
/// </summary>
/// <param name="Index">The batch's index in the epoch.</param>
/// <param name="Samples">The dataset indices of its samples.</param>
internal readonly record struct PlannedBatch(int Index, ArraySegment<int> Samples);
