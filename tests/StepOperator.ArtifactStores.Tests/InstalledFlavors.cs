using System.Runtime.CompilerServices;
using StepOperator.Azure;
using StepOperator.Flavors;
using StepOperator.S3;

namespace StepOperator.Testing;

/// <summary>
/// The store flavors this test assembly opens stores of in-process (ArtifactStores.Open of a run's s3:// or azblob://
/// location), registered as a program's generated code registers them; the programs the tests run register their own.
/// </summary>
internal static class InstalledFlavors
{
#pragma warning disable CA2255 // A test assembly is where this belongs: it stands in for a program's generated registration.
    [ModuleInitializer]
    internal static void Register()
#pragma warning restore CA2255
    {
        FlavorCatalog.Register(new S3ArtifactStoreFlavor());
        FlavorCatalog.Register(new AzureBlobArtifactStoreFlavor());
    }
}
