using FluentAssertions;
using Vit.Distributed.Consistency;
using Xunit;

namespace Vit.Distributed.Tests.Consistency;

public sealed class SettingsDifferenceTests
{
    [Fact]
    public void Describe_DifferentLine_QuotesBothSidesAndTheLineNumber()
    {
        string message = SettingsDifference.Describe("Trainer settings", "lr=0.003\nbatch=128\nseed=1", 2, "lr=0.003\nbatch=128\nseed=7", [2, 3]);

        message.Should().Be(
            "Trainer settings differ between ranks: rank 2 has \"seed=7\" where rank 0 has \"seed=1\" (line 3). " +
            "Ranks that differ from rank 0: 2, 3. Start every rank with the same arguments, configuration and data.");
    }

    [Fact]
    public void Describe_ExtraLine_SaysTheOtherSideHasNone()
    {
        string message = SettingsDifference.Describe("Settings", "a=1", 1, "a=1\nb=2", [1]);

        message.Should().StartWith("Settings differ between ranks: rank 1 has \"b=2\" where rank 0 has no such line (line 2).");
    }

    [Fact]
    public void Describe_LongLine_IsCut()
    {
        string longLine = new('x', 500);

        string message = SettingsDifference.Describe("Settings", "short", 1, longLine, [1]);

        message.Should().Contain("rank 1 has \"" + new string('x', SettingsDifference.MaxLineLength) + "...\" where rank 0 has \"short\" (line 1)");
    }

    [Fact]
    public void Describe_WindowsLineEndings_DoNotShowUp()
    {
        SettingsDifference.Describe("Settings", "a=1\r\nb=2\r\n", 1, "a=1\r\nb=3\r\n", [1])
            .Should().Contain("rank 1 has \"b=3\" where rank 0 has \"b=2\" (line 2)");
    }
}
