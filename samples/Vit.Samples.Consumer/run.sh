#!/usr/bin/env bash
# Consumer check: packs Vit.Core, Vit.Data, Vit.Training and Vit.Distributed into a temporary folder feed under a
# unique prerelease version (so NuGet's global-packages cache can never serve a stale copy), checks what the packages
# contain, restores this app against the feed in a folder outside the repository (so no repository build file applies),
# builds it and runs it. On Linux it also checks that the TorchSharp load fix came from Vit.Core's buildTransitive
# targets and that -p:VitPatchLibTorchSharp=false turns it off.
#
#   samples/Vit.Samples.Consumer/run.sh            (needs: dotnet, unzip; readelf for the Linux checks)
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
version="0.1.0-local.$(date -u +%Y%m%d%H%M%S).$$"
work="$(mktemp -d "${TMPDIR:-/tmp}/vit-consumer.XXXXXX")"
cache="$(dotnet nuget locals global-packages --list | sed 's/^global-packages: //')"
cleanup() {
  rm -rf "$work"
  for id in vit.core vit.data vit.training vit.distributed; do
    rm -rf "${cache%/}/$id/$version"
    rmdir "${cache%/}/$id" 2>/dev/null || true
  done
}
trap cleanup EXIT
fail() { echo "consumer check FAILED: $*" >&2; exit 1; }

feed="$work/feed"
app="$work/app"
echo "== pack $version into $feed"
for project in Vit.Core Vit.Data Vit.Training Vit.Distributed; do
  dotnet pack "$root/src/$project/$project.csproj" -c Release -p:PackageVersion="$version" -o "$feed" --nologo -v:q
done

echo "== check the packages"
for id in Vit.Core Vit.Data Vit.Training Vit.Distributed; do
  nupkg="$feed/$id.$version.nupkg"
  [[ -f "$nupkg" ]] || fail "$nupkg was not produced"
  [[ -f "$feed/$id.$version.snupkg" ]] || fail "no symbol package for $id"
  # (grep reads here-strings, not pipes: with pipefail, grep -q closing a pipe early would fail the producer.)
  symbols="$(unzip -l "$feed/$id.$version.snupkg")"
  grep -q " lib/net8.0/$id.pdb\$" <<<"$symbols" || fail "$id.snupkg has no lib/net8.0/$id.pdb"
  listing="$(unzip -l "$nupkg")"
  for entry in "lib/net8.0/$id.dll" "lib/net8.0/$id.xml" "lib/net10.0/$id.dll" "lib/net10.0/$id.xml" README.md; do
    grep -q " $entry\$" <<<"$listing" || fail "$id package lacks $entry"
  done
  nuspec="$(unzip -p "$nupkg" "$id.nuspec")"
  for field in "<id>$id</id>" "<version>$version</version>" '<license type="expression">MIT</license>' \
               '<readme>README.md</readme>' '<repository type="git" url="https://' '<tags>' '<description>'; do
    grep -qF "$field" <<<"$nuspec" || fail "$id.nuspec lacks $field"
  done
  # Libraries depend on managed TorchSharp only: the native backend is the application's choice.
  if grep -Eio 'id="(TorchSharp-[a-z-]+|libtorch[a-z0-9.-]*)"' <<<"$nuspec"; then fail "$id depends on a native backend"; fi
  grep -q 'id="TorchSharp" version="0.107.0"' <<<"$nuspec" || fail "$id does not depend on TorchSharp 0.107.0"
  echo "   $id: lib/net8.0 + lib/net10.0 with XML docs, README, MIT, repository, tags, snupkg; depends on managed TorchSharp"
done
core="$(unzip -l "$feed/Vit.Core.$version.nupkg")"
for entry in buildTransitive/Vit.Core.targets buildTransitive/Vit.TorchSharpLinuxFix.targets buildTransitive/PatchLibTorchSharpVersionNeed.cs; do
  grep -q " $entry\$" <<<"$core" || fail "Vit.Core package lacks $entry"
done
data_nuspec="$(unzip -p "$feed/Vit.Data.$version.nupkg" Vit.Data.nuspec)"
grep -q "id=\"Vit.Core\" version=\"$version\"" <<<"$data_nuspec" || fail "Vit.Data does not depend on Vit.Core $version"

echo "== restore, build and run the consumer outside the repository ($app)"
mkdir -p "$app"
cp "$here/Program.cs" "$here/Vit.Samples.Consumer.csproj" "$here"/Directory.Build.props "$here"/Directory.Build.targets "$here"/Directory.Packages.props "$app/"
# The repository's package sources plus the local feed (nothing else from the repository comes along).
cp "$root/nuget.config" "$app/nuget.config"
dotnet nuget add source "$feed" --name vit-local --configfile "$app/nuget.config" >/dev/null
dotnet restore "$app/Vit.Samples.Consumer.csproj" -p:VitVersion="$version" --nologo -v:q
grep -q "buildTransitive/Vit.Core.targets" "$app/obj/Vit.Samples.Consumer.csproj.nuget.g.targets" \
  || fail "the restore did not import Vit.Core's buildTransitive targets"
dotnet build "$app/Vit.Samples.Consumer.csproj" -c Release --no-restore -p:VitVersion="$version" --nologo -v:q
dotnet "$app/bin/Release/net10.0/Vit.Samples.Consumer.dll"

if [[ "$(uname -s)" == Linux ]] && command -v readelf >/dev/null; then
  # awk reads to the end: exiting at the first match would SIGPIPE ldconfig, and pipefail would fail the script.
  libstdcxx="$(ldconfig -p | awk '/libstdc\+\+\.so\.6 .*x86-64/ && !found { print $NF; found = 1 }')"
  so="$app/bin/Release/net10.0/runtimes/linux-x64/native/libLibTorchSharp.so"
  if [[ -n "$libstdcxx" ]] && ! grep -qa GLIBCXX_3.4.32 "$libstdcxx"; then
    versions="$(readelf -V "$so")"
    grep -q "Name: GLIBCXX_3.4.32  Flags: WEAK" <<<"$versions" \
      || fail "this libstdc++ lacks GLIBCXX_3.4.32 but the consumer's libLibTorchSharp.so was not patched"
    echo "== the consumer's libLibTorchSharp.so was patched by Vit.Core's buildTransitive targets (GLIBCXX_3.4.32 weak)"
    dotnet build "$app/Vit.Samples.Consumer.csproj" -c Release --no-restore -p:VitVersion="$version" \
      -p:VitPatchLibTorchSharp=false -o "$work/unpatched" --nologo -v:q
    versions="$(readelf -V "$work/unpatched/runtimes/linux-x64/native/libLibTorchSharp.so")"
    if grep -q "GLIBCXX_3.4.32  Flags: WEAK" <<<"$versions"; then
      fail "-p:VitPatchLibTorchSharp=false did not turn the fix off"
    fi
    echo "== with -p:VitPatchLibTorchSharp=false the library is left as shipped"
  else
    echo "== this libstdc++ has GLIBCXX_3.4.32: the load fix has nothing to do here"
  fi
fi
echo "consumer check passed ($version)"
