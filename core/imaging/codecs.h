#pragma once
// OpenCV's image codecs, made ready before threads use them.

namespace sinar::imaging {

// OpenCV builds its table of image codecs on first use, inside its own
// (uninstrumented) static initialisation. Building it here once, under a
// guard of Sinar's, orders every thread that passes the guard after it, so
// ThreadSanitizer sees why two threads decoding at once do not race on that
// table. readImageFile calls it; so should every other imwrite/imencode site.
void prepareImageCodecs();

} // namespace sinar::imaging
