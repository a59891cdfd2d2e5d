// HTML form bodies (libcore/http/form.h): urlencoded and multipart decoding.
#include "libcore/http/form.h"

#include <gtest/gtest.h>

#include "tests/support/data_error.h"

namespace logroute::http {
namespace {

using logroute::testing::DataErrorReason;

FormFields UrlEncoded(std::string_view body) {
  FormFields fields;
  EXPECT_EQ(DataErrorReason(DecodeUrlEncoded(body, &fields)), "ok");
  return fields;
}

TEST(UrlEncodedTest, AsDjangoDecodesIt) {
  EXPECT_EQ(UrlEncoded("unix_ts=1684129671&user_id=5&event_name=log+in%21"),
            (FormFields{{"unix_ts", "1684129671"}, {"user_id", "5"}, {"event_name", "log in!"}}));
  // Empty fields are skipped; a field without '=' has an empty value.
  EXPECT_EQ(UrlEncoded("&a=&&b&c=1=2&"), (FormFields{{"a", ""}, {"b", ""}, {"c", "1=2"}}));
  // %XX is a byte, in names too; a '%' without two hex digits stays.
  EXPECT_EQ(UrlEncoded("%65vent%5Fname=%C3%A9%2B&x=100%&y=%zz%4"),
            (FormFields{{"event_name", "\xC3\xA9+"}, {"x", "100%"}, {"y", "%zz%4"}}));
  EXPECT_EQ(UrlEncoded(""), FormFields{});
}

TEST(UrlEncodedTest, AtMostAThousandFields) {
  std::string body;
  for (size_t i = 0; i < kMaxFormFields; ++i) body += "f=1&";
  FormFields fields;
  EXPECT_EQ(DataErrorReason(DecodeUrlEncoded(body, &fields)), "ok");
  EXPECT_EQ(DataErrorReason(DecodeUrlEncoded(body + "g=2", &fields)), "more than 1000 form fields");
}

TEST(HeaderParameterTest, QuotedAndBare) {
  EXPECT_EQ(HeaderParameter("form-data; name=\"unix_ts\"", "name"), "unix_ts");
  EXPECT_EQ(HeaderParameter("form-data; filename=\"f\"; name=x", "name"), "x");
  EXPECT_EQ(HeaderParameter("form-data;NAME=\"a;b \\\"c\\\"\"", "name"), "a;b \"c\"");
  EXPECT_EQ(HeaderParameter("form-data", "name"), "");
  EXPECT_EQ(HeaderParameter("form-data; filename=a", "name"), "");
}

std::string Part(const std::string& name, const std::string& value,
                 const std::string& extra_headers = "") {
  return "--XyZ\r\nContent-Disposition: form-data; name=\"" + name + "\"\r\n" + extra_headers +
         "\r\n" + value + "\r\n";
}

TEST(MultipartTest, AsCurlSendsIt) {
  const std::string body = Part("unix_ts", "1684129671") + Part("user_id", "5") +
                           Part("event_name", "log\r\nin", "Content-Type: text/plain\r\n") +
                           Part("file", "a\r\n-XyZ\r\n") + "--XyZ--\r\n";
  FormFields fields;
  ASSERT_EQ(DataErrorReason(DecodeMultipart(body, "XyZ", &fields)), "ok");
  EXPECT_EQ(fields, (FormFields{{"unix_ts", "1684129671"},
                                {"user_id", "5"},
                                {"event_name", "log\r\nin"},
                                {"file", "a\r\n-XyZ\r\n"}}));
}

TEST(MultipartTest, PreambleEpilogueEmptyValuesAndPadding) {
  const std::string body =
      "preamble\r\n--b  \r\nContent-Disposition: form-data; name=a\r\n\r\n"
      "\r\n--b\r\ncontent-disposition: Form-Data; name=\"c\"\r\n\r\nv\r\n"
      "--b--epilogue";
  FormFields fields;
  ASSERT_EQ(DataErrorReason(DecodeMultipart(body, "b", &fields)), "ok");
  EXPECT_EQ(fields, (FormFields{{"a", ""}, {"c", "v"}}));
}

TEST(MultipartTest, MalformedBodiesSayWhy) {
  FormFields fields;
  EXPECT_EQ(DataErrorReason(DecodeMultipart("x", "", &fields)),
            "multipart/form-data needs a boundary parameter of 1 to 70 characters");
  EXPECT_EQ(DataErrorReason(DecodeMultipart("x", std::string(71, 'b'), &fields)),
            "multipart/form-data needs a boundary parameter of 1 to 70 characters");
  EXPECT_EQ(DataErrorReason(DecodeMultipart("no boundary here", "b", &fields)),
            "the multipart body holds no boundary line");
  EXPECT_EQ(DataErrorReason(DecodeMultipart(
                "--b\r\nContent-Disposition: form-data; name=a\r\n\r\nvalue", "b", &fields)),
            "the multipart body ends inside part 1 (no closing boundary)");
  EXPECT_EQ(DataErrorReason(
                DecodeMultipart("--b\r\nContent-Disposition: form-data; name=a\r\n", "b", &fields)),
            "part 1 has no blank line after its headers");
  EXPECT_EQ(DataErrorReason(DecodeMultipart("--bX\r\n", "b", &fields)),
            "the boundary line of part 1 does not end in CRLF");
  EXPECT_EQ(DataErrorReason(
                DecodeMultipart("--b\r\nContent-Type: text/plain\r\n\r\nv\r\n--b--", "b", &fields)),
            "part 1 has no 'Content-Disposition: form-data; name=\"...\"' header");
  EXPECT_EQ(DataErrorReason(DecodeMultipart(
                "--b\r\nContent-Disposition: attachment; name=a\r\n\r\nv\r\n--b--", "b", &fields)),
            "part 1 has no 'Content-Disposition: form-data; name=\"...\"' header");
}

}  // namespace
}  // namespace logroute::http
