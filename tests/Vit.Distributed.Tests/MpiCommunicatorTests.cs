using FluentAssertions;
using Microsoft.Extensions.Options;
using Xunit;

namespace Vit.Distributed.Tests;

/// <summary>What happens before MPI starts: these run without Open MPI installed.</summary>
public sealed class MpiCommunicatorTests
{
    [Fact]
    public void Initialize_LibraryMissing_NamesThePackagesToInstall()
    {
        var act = () => MpiCommunicator.Initialize(new MpiOptions { LibraryPath = "libmpi-not-installed.so.40" });

        var error = act.Should().Throw<MpiException>().Which;
        error.Message.Should().StartWith("Open MPI was not found: could not load libmpi-not-installed.so.40. Install Open MPI: on Debian or Ubuntu `apt-get install openmpi-bin libopenmpi-dev`");
        error.Message.Should().Contain("or set MpiOptions.LibraryPath to your Open MPI's libmpi.");
        error.ErrorCode.Should().Be(0);
    }

    [SkippableFact]
    public void Initialize_LibraryIsNotMpi_SaysSo()
    {
        Skip.IfNot(OperatingSystem.IsLinux(), "libc.so.6 is glibc's name.");

        var act = () => MpiCommunicator.Initialize(new MpiOptions { LibraryPath = "libc.so.6" });

        act.Should().Throw<MpiException>().Which.Message.Should().StartWith(
            "libc.so.6 loaded but does not export MPI_Init_thread: it is not an MPI library. Install Open MPI:");
    }

    [Fact]
    public void Initialize_InvalidOptions_ThrowsBeforeLoadingAnything()
    {
        var act = () => MpiCommunicator.Initialize(new MpiOptions { CollectiveTimeout = TimeSpan.Zero, LibraryPath = "libmpi-not-installed.so.40" });

        act.Should().Throw<OptionsValidationException>().Which.Failures.Should().Equal(
            "MpiOptions.CollectiveTimeout is 00:00:00 but must be in [00:00:01, 24.00:00:00]");
    }

    [Fact]
    public void IsLaunchedByMpirun_FollowsOpenMpisWorldSizeVariable()
    {
        MpiCommunicator.IsLaunchedByMpirun.Should().Be(Environment.GetEnvironmentVariable("OMPI_COMM_WORLD_SIZE") is not null);
    }
}
