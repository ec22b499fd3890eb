package dev.jobharvester.common;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

/**
 * Generated listings of names that clash in case and as file and folder: whatever the listing, every file gets a
 * place of its own in a case-insensitive sink (no two files on one name, no file where a folder must be), and the
 * same listing maps the same way again, as a restart needs.
 */
class CaseInsensitiveNamesPropertiesTest {

    private static final List<String> SEGMENTS = List.of("a", "A", "b", "B", "a.txt", "A.TXT");

    @Provide
    Arbitrary<List<String>> listings() {
        return Arbitraries.of(SEGMENTS).list().ofMinSize(1).ofMaxSize(3).map(segments -> String.join("/", segments))
                .list().ofMinSize(1).ofMaxSize(12).uniqueElements();
    }

    private static List<String> claimAll(List<String> listing, boolean reserve) {
        CaseInsensitiveNames names = new CaseInsensitiveNames();
        if (reserve) {
            names.reserveFoldersOf(listing);
        }
        List<String> claimed = new ArrayList<>();
        listing.forEach(path -> claimed.add(names.claim(path, path)));
        return claimed;
    }

    private static void assertEachHasAPlaceOfItsOwn(List<String> claimed) {
        Set<String> files = new HashSet<>();
        Set<String> folders = new HashSet<>();
        for (String name : claimed) {
            String lower = name.toLowerCase(Locale.ROOT);
            assertThat(files.add(lower)).as("two files on %s in %s", name, claimed).isTrue();
            for (int slash = lower.indexOf('/'); slash > 0; slash = lower.indexOf('/', slash + 1)) {
                folders.add(lower.substring(0, slash));
            }
        }
        assertThat(files).as("files where folders must be, in %s", claimed).noneMatch(folders::contains);
    }

    @Property(tries = 300)
    void aListingReadWholeGivesEachFileAPlaceOfItsOwnTheSameEachTime(@ForAll("listings") List<String> listing) {
        List<String> claimed = claimAll(listing, true);
        assertEachHasAPlaceOfItsOwn(claimed);
        assertThat(claimAll(listing, true)).isEqualTo(claimed);
    }

    @Property(tries = 300)
    void aListingReadEntryByEntryGivesEachFileAPlaceOfItsOwnTheSameEachTime(@ForAll("listings") List<String> listing) {
        List<String> claimed = claimAll(listing, false);
        assertEachHasAPlaceOfItsOwn(claimed);
        assertThat(claimAll(listing, false)).isEqualTo(claimed);
    }
}
