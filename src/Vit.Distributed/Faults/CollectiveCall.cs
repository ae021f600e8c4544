using System.Globalization;

namespace Vit.Distributed.Faults;

/// <summary>One MPI call that waits for the other ranks, described for error messages.</summary>
/// <param name="Function">The MPI function, for example <c>MPI_Allreduce</c>.</param>
/// <param name="Count">How many elements it moves (0 for a barrier or finalize).</param>
/// <param name="ElementType">The element type, for example <c>float32</c>; empty when nothing moves.</param>
internal readonly record struct CollectiveCall(string Function, long Count, string ElementType)
{
    /// <summary>Gets the call as a phrase: "MPI_Allreduce of 10,700,000 float32".</summary>
    public string Describe() => Count == 0 && ElementType.Length == 0
        ? Function
        : string.Format(CultureInfo.InvariantCulture, "{0} of {1:N0} {2}", Function, Count, ElementType);
}
