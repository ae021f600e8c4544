namespace Vit.Benchmarks.Commands;

/// <summary>One thing to time: a training step or a forward pass of one model on a fixed batch.</summary>
internal interface IBenchmarkSubject : IDisposable
{
    /// <summary>Gets the label printed before the subject's result line when several are compared.</summary>
    string Name { get; }

    /// <summary>Runs once; returns when the work is done (CPU tensors compute synchronously).</summary>
    void Run();
}
