namespace Vit.Benchmarks.Measurement;

/// <summary>One reading of the soak: after <see cref="Update"/> updates, this process's resources.</summary>
internal sealed record SoakSample(int Update, double RssMb, int FileDescriptors, int Threads, double ManagedMb, long Tensors, double Seconds);
