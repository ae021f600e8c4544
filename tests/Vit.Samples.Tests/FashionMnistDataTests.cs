using FluentAssertions;
using Vit.Data;
using Vit.Samples.FashionMnist;
using Xunit;

namespace Vit.Samples.Tests;

[Collection(TorchTestGroup.Name)]
public sealed class FashionMnistDataTests
{
    private static string Shipped => TestFiles.InRepository(ShippedFashionMnist.RelativeDirectory);

    [Fact]
    public void Load_ShippedWithoutValidation_TrainsOnTheTrainingSplitAndTestsOnTheOfficialTestSplit()
    {
        using var data = FashionMnistData.Load(null, null);

        (data.Train.Count, data.Test.Count, data.IsValidation, data.TestName).Should().Be((60_000, 10_000, false, "Held-out"));
        data.Train.CountPerClass().Should().OnlyContain(c => c == 6000);
        data.Test.CountPerClass().Should().OnlyContain(c => c == 1000);
        data.Description.Should().Contain("60,000 training images, 10,000 test images");
    }

    [Fact]
    public void Load_ShippedWithLimit_TakesTheFirstImagesOfEachSplit()
    {
        using var data = FashionMnistData.Load(null, 512);

        (data.Train.Count, data.Test.Count).Should().Be((512, 128));
    }

    [Fact]
    public void Load_ShippedWithValidation_CarvesEachClassOfTheTrainingImagesOnly()
    {
        using var data = FashionMnistData.Load(null, null, validationFraction: 0.1);

        data.IsValidation.Should().BeTrue();
        data.TestName.Should().Be("Validation");
        (data.Train.Count, data.Test.Count).Should().Be((54_000, 6000));
        data.Train.CountPerClass().Should().OnlyContain(c => c == 5400);
        data.Test.CountPerClass().Should().OnlyContain(c => c == 600);
        var train = (SubsetDataset)data.Train;
        var validation = (SubsetDataset)data.Test;
        // Both index into the 60,000 training images: together exactly those, apart from each other.
        train.Indices.Concat(validation.Indices).Order().Should().Equal(Enumerable.Range(0, 60_000)); // Equal, not BeEquivalentTo: that is quadratic
        data.Description.Should().Contain("54,000 to train and 6,000 to validate on").And.Contain("the test images are not used");
    }

    [Fact]
    public void Load_ValidationSplit_IsTheSameEveryTime()
    {
        using var first = FashionMnistData.Load(null, null, validationFraction: 0.2);
        using var second = FashionMnistData.Load(null, null, validationFraction: 0.2);

        ((SubsetDataset)second.Test).Indices.Should().Equal(((SubsetDataset)first.Test).Indices);
    }

    [Fact]
    public void Load_FolderWithTheTestSplitOnly_TrainsOn8000AndHoldsOut2000()
    {
        using var dir = new TempDirectory();
        File.Copy(Path.Combine(Shipped, "t10k-images-idx3-ubyte.gz"), dir.File("t10k-images-idx3-ubyte.gz"));
        File.Copy(Path.Combine(Shipped, "t10k-labels-idx1-ubyte.gz"), dir.File("t10k-labels-idx1-ubyte.gz"));

        using var data = FashionMnistData.Load(dir.Path, null);

        (data.Train.Count, data.Test.Count, data.IsValidation).Should().Be((8000, 2000, false));
        data.Test.CountPerClass().Should().OnlyContain(c => c == 200);
    }

    [Fact]
    public void Load_FullSetWithValidation_NeverReadsTheTestFiles()
    {
        using var dir = new TempDirectory();
        // A full set whose test files are not IDX at all.
        File.Copy(Path.Combine(Shipped, "train-images-idx3-ubyte.gz"), Path.Combine(dir.Path, "train-images-idx3-ubyte.gz"));
        File.Copy(Path.Combine(Shipped, "train-labels-idx1-ubyte.gz"), Path.Combine(dir.Path, "train-labels-idx1-ubyte.gz"));
        File.WriteAllText(Path.Combine(dir.Path, "t10k-images-idx3-ubyte.gz"), "not an IDX file");
        File.WriteAllText(Path.Combine(dir.Path, "t10k-labels-idx1-ubyte.gz"), "not an IDX file");

        using (var data = FashionMnistData.Load(dir.Path, null, validationFraction: 0.1))
        {
            (data.Train.Count, data.Test.Count, data.IsValidation).Should().Be((54_000, 6000, true));
            data.Test.CountPerClass().Should().OnlyContain(c => c == 600);
        }

        var withTest = () => FashionMnistData.Load(dir.Path, null);
        withTest.Should().Throw<Exception>().Which.Message.Should().StartWith("--data: the Fashion-MNIST files could not be read");
    }
}
