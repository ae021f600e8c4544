namespace Vit.Benchmarks.Commands;

/// <summary>One thing to time: a training step or a forward pass of one model on a fixed batch.</summary>
internal interface IBenchmarkSubject : IDisposable
{
    /// <summary>Gets the label printed before the subject's result line when several are compared.</summary>
    string Name { get; }

    /// <summary>Gets the dtype the subject's matrix products run in (its mfu is against that dtype's ceiling).</summary>
    TorchSharp.torch.ScalarType Precision => TorchSharp.torch.ScalarType.Float32;

    /// <summary>Gets extra <c>key=value</c> figures the subject measured itself (e.g. phase times), or <see langword="null"/>.</summary>
    string? Details => null;

    /// <summary>Called after the warm-up runs: forget what they measured.</summary>
    void BeginTiming()
    {
    }

    /// <summary>Runs once; returns when the work is done (CPU tensors compute synchronously).</summary>
    void Run();
}
