using Xunit;

namespace Vit.Distributed.Tests;

/// <summary>Tests that start MPI jobs run one at a time: each job already has a process per core.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class MpiProcessGroup
{
    /// <summary>The collection's name.</summary>
    public const string Name = "mpirun";
}
